import { needsGrad, type OpDef, type Attrs } from "./OpDef";
import { opResult, type Tensor } from "../tensor/Tensor";
import { currentScope, isGradEnabled } from "./mode";
import { checkAnomaly, isAnomalyMode } from "./anomaly";

/**
 * Runs an op and records it: the result remembers {op, inputs, attrs, scope} when any
 * differentiable input requires grad and recording is on. Inputs are never mutated.
 */
export function apply(op: OpDef, inputs: readonly Tensor[], attrs: Attrs = NO_ATTRS): Tensor {
  const { data, shape } = op.forward(inputs, attrs);
  let record = false;
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (needsGrad(op, inputs[i], i)) {
        record = true;
        break;
      }
    }
  }
  const out = opResult(data, shape, record ? { op, inputs, attrs, scope: currentScope() } : null);
  if (isAnomalyMode()) checkAnomaly(op.name, "forward", data, inputs, out);
  return out;
}
/** The attributes of ops that have none: one shared, frozen object instead of a new {} per op. */
const NO_ATTRS: Attrs = Object.freeze({});
