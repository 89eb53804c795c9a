/** JSON (de)serialisation of a trained group model, for the model registry. */
import { BaselineInputError } from './errors.js';
import { MODEL_KIND, type TrainedGroupModel } from './model.js';

/** The model as a JSON string (weights as plain number arrays). */
export function serialize(model: TrainedGroupModel): string {
  return JSON.stringify(model, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/**
 * Parses a string produced by `serialize`.
 * @throws {BaselineInputError} code `bad_model` when the JSON is not a model of this kind and version.
 */
export function deserialize(json: string): TrainedGroupModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new BaselineInputError('bad_model', 'model JSON does not parse');
  }
  const m = parsed as Partial<TrainedGroupModel> | null;
  if (
    !m ||
    m.kind !== MODEL_KIND ||
    (m.version !== 1 && m.version !== 2) ||
    (m.version === 2 && (!m.stack || !Array.isArray(m.stack.weights))) ||
    !m.spec ||
    !Array.isArray(m.levels) ||
    !Array.isArray(m.offsets) ||
    m.net === undefined
  ) {
    throw new BaselineInputError('bad_model', `not a ${MODEL_KIND} v1 or v2 model`);
  }
  return m as TrainedGroupModel;
}
