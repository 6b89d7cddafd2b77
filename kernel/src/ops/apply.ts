import { needsGrad, type OpDef, type Attrs } from "./OpDef";
import { Tensor } from "../tensor/Tensor";
import { currentScope, isGradEnabled } from "./mode";
import { checkAnomaly, isAnomalyMode } from "./anomaly";

/**
 * Runs an op and records it: the result remembers {op, inputs, attrs, scope} when any
 * differentiable input requires grad and recording is on. Inputs are never mutated.
 */
export function apply(op: OpDef, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor {
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
  const out = new Tensor(data, shape, record ? { node: { op, inputs, attrs, scope: currentScope() } } : {});
  if (isAnomalyMode()) checkAnomaly(op.name, "forward", data, inputs, out);
  return out;
}
