/**
 * The tasks the job threads run (src/jobs/compute.ts): pure CPU work of the job kinds, data in,
 * result out — no database (a thread cannot open the embedded one). Each takes its input (structured
 * clone) and a `note` for progress, and returns its result (typed arrays in it are transferred).
 * A kind that moves more work off the main thread adds its function here.
 */
import { baselineModel } from '../kpi/train-compute.js';

export interface TaskContext {
  /** Progress of the task (0–100 of the caller's current step, and a stage); cheap, posted to the main thread. */
  progress(percent: number, stage: string): void;
}

export const computeTasks = {
  /** train_baselines: one scope's pooled model (TensorFlow.js network + classical ensemble + calibration) */
  baselineModel: (input: Parameters<typeof baselineModel>[0], _ctx: TaskContext) => baselineModel(input),
} satisfies Record<string, (input: never, ctx: TaskContext) => unknown>;

export type ComputeTasks = typeof computeTasks;
export type TaskName = keyof ComputeTasks;
export type TaskInput<K extends TaskName> = Parameters<ComputeTasks[K]>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<ComputeTasks[K]>>;
