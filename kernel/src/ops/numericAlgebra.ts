import type { Algebra } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { scalar } from "../tensor/creation";
import * as F from "./functions";

/**
 * The numeric interpreter of derivative rules: the differentiable tensor functions themselves,
 * so a rule run with it is the backward pass (and, being recorded, differentiable again).
 */
export const numericAlgebra: Algebra<Tensor> = { ...F, scalar };
