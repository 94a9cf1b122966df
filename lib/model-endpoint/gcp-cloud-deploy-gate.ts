/**
 * The alert policies that gate a gcp endpoint's Cloud Deploy rollout, handed over without a dependency cycle.
 *
 * Cloud Deploy's analysis names alert policies by resource name (`projects/<p>/alertPolicies/<id>`), and Cloud
 * Monitoring assigns the id when the policy is created. The policies are made by the `MonitoringStack` that
 * watches the endpoint, after the endpoint. So the endpoint's delivery pipeline (with its automation and grants)
 * is created when the watching stack hands the policies over with `gateRolloutOnAlertPolicies`: service →
 * policies → pipeline, no cycle, and no resource waits on a value that may never come.
 *
 * An endpoint no stack gates is settled at the end of the program (`settleUngatedRollouts`, also run on the
 * process's `beforeExit`): its pipeline is created without analysis when that is acceptable (dev, or no automatic
 * rollback), and the program fails otherwise, so that a staging or prod rollout never "rolls back on alarms" that
 * nothing raises.
 */
import type * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../core/validation';

/** Creates the delivery pipeline (and what hangs off it) analysing the given alert policies; none: no analysis. */
export type CreatePipeline = (alertPolicies: pulumi.Input<string>[]) => void;

/**
 * How long after a revision starts failing the gating policies can have an open incident, as the watching stack
 * computes it (on gcp: metric delay + alignment period + condition duration).
 */
export interface IncidentDelay {
  readonly seconds: number;
  /** The parts of `seconds`, for the error message. */
  readonly reason: string;
  /** Who gates, for the error message (`MonitoringStack "<name>"`). */
  readonly watcher: string;
}

interface Gate {
  /** Construct name, for messages. */
  readonly construct: string;
  /** Whether an ungated rollout is an error. */
  readonly required: boolean;
  /** How long each step is analysed, in seconds; undefined: no analysis. */
  readonly analysisSeconds?: number;
  readonly create: CreatePipeline;
  settled: boolean;
}

const gates = new WeakMap<object, Gate>();
const pending = new Set<Gate>();
let hooked = false;

/**
 * Registers the rollout gate of the endpoint `owner` (the ModelEndpoint component). Its delivery pipeline is
 * created when a MonitoringStack gates it (`gateRolloutOnAlertPolicies`), or at the end of the program without
 * analysis (`settleUngatedRollouts`), so that nothing waits on a value that may never come.
 */
export function registerRolloutGate(
  owner: object,
  construct: string,
  required: boolean,
  create: CreatePipeline,
  analysisSeconds?: number,
): void {
  const gate: Gate = { construct, required, create, analysisSeconds, settled: false };
  gates.set(owner, gate);
  pending.add(gate);
  if (!hooked) {
    hooked = true;
    process.once('beforeExit', () => {
      hooked = false;
      settleUngatedRollouts();
    });
  }
}

/**
 * Gates the Cloud Deploy rollout of `endpoint` on `alertPolicies` (their resource names, `AlertPolicy.name`): each
 * rollout step is analysed against them, and fails while any of them has an open incident. Returns false, doing
 * nothing, when `endpoint` is not a ModelEndpoint that Cloud Deploy rolls out; throws when it is already gated, and
 * (a ValidationError) when `incidentDelay` (optional; default: not checked) is longer than each step's analysis, as
 * a failing step would then pass before any policy could open an incident.
 */
export function gateRolloutOnAlertPolicies(
  endpoint: unknown,
  alertPolicies: pulumi.Input<string>[],
  incidentDelay?: IncidentDelay,
): boolean {
  const gate = typeof endpoint === 'object' && endpoint !== null ? gates.get(endpoint) : undefined;
  if (!gate) return false;
  if (gate.settled)
    throw new Error(
      `ModelEndpoint "${gate.construct}": its Cloud Deploy rollout is already gated (by another MonitoringStack, or settled ungated at the end of the program). Fix: watch the endpoint with one MonitoringStack, created in the program itself.`,
    );
  const analysis = gate.analysisSeconds;
  if (incidentDelay && analysis !== undefined && incidentDelay.seconds > analysis) {
    gate.settled = true;
    pending.delete(gate);
    const minutes = Math.ceil(incidentDelay.seconds / 60);
    throw new ValidationError('ModelEndpoint', gate.construct, [
      {
        path: 'rollout.bakeMinutes',
        message: `ModelEndpoint "${gate.construct}": each Cloud Deploy step is analysed for ${analysis} s, but the alert policies of ${incidentDelay.watcher} can open an incident only up to ${incidentDelay.seconds} s after a revision starts failing (${incidentDelay.reason}), so a failing step would pass`,
        fix: `bake at least ${minutes} minutes per step (rollout.bakeMinutes), or lower ${incidentDelay.watcher}'s thresholds.periodSeconds or thresholds.datapointsToAlarm`,
      },
    ]);
  }
  settle(gate, alertPolicies);
  return true;
}

/**
 * Settles every rollout no MonitoringStack gated: its pipeline is created without analysis where that is
 * acceptable (dev, or no automatic rollback); where a gate is required nothing is created and this throws a
 * ValidationError listing every such endpoint. Run after the program has returned: a `beforeExit` hook does for
 * `pulumi up`, the recorder (tests, `mlops synth`) calls it itself.
 */
export function settleUngatedRollouts(): void {
  const missing: Gate[] = [];
  for (const gate of [...pending]) {
    pending.delete(gate);
    if (gate.required) {
      gate.settled = true;
      missing.push(gate);
    } else settle(gate, []);
  }
  if (missing.length === 0) return;
  throw new ValidationError(
    'ModelEndpoint',
    missing.map((g) => g.construct).join('", "'),
    missing.map((gate) => ({
      path: 'rollout.autoRollback',
      message: `ModelEndpoint "${gate.construct}": its Cloud Deploy rollout would roll back when the alert policies of a MonitoringStack fire, but no MonitoringStack watches it`,
      fix: 'watch it with a MonitoringStack (its latency and server-error alert policies then gate every step), or set rollout.autoRollback false',
    })),
  );
}

function settle(gate: Gate, alertPolicies: pulumi.Input<string>[]): void {
  gate.settled = true;
  pending.delete(gate);
  gate.create(alertPolicies);
}
