/**
 * The actions of an aws ModelEndpoint's rollback alarms, supplied later by the MonitoringStack that watches it
 * (design decision 1). The endpoint creates its alarms with `alarmActions` from a deferred Output; the stack
 * resolves it with its topic ARNs (`attachAlarmActions`). The topic does not depend on the endpoint, so
 * topic → alarms → endpoint has no cycle.
 *
 * An endpoint nobody watches is settled when the program has returned (`settleUnwatchedEndpoints`, also run by a
 * `process.once('beforeExit')` hook so a plain `pulumi up` never waits forever; exported for Automation API
 * programs, where that hook never fires): no action in dev, and in staging and prod a clear error, since a
 * rollback alarm nobody hears about hides a failed release.
 */
import * as pulumi from '@pulumi/pulumi';
import type { Stage } from '../core/stage';
import { ValidationError } from '../core/validation';

interface PendingActions {
  readonly construct: string;
  readonly name: string;
  readonly stage: Stage;
  readonly resolve: (source: pulumi.Output<string[]>) => void;
  /** The MonitoringStack that supplied the actions. */
  claimedBy?: string;
}

/** Endpoints (their component resource) whose rollback alarms wait for actions. */
const pending = new Map<object, PendingActions>();
let hookInstalled = false;

/**
 * The actions of `owner`'s rollback alarms, known once a MonitoringStack attaches its topics or the program ends.
 * Call once per endpoint.
 */
export function deferredAlarmActions(
  owner: object,
  construct: string,
  name: string,
  stage: Stage,
): pulumi.Output<string[]> {
  if (pending.has(owner)) throw new Error(`${construct} "${name}" asked for its alarm actions twice`);
  const [output, resolve] = pulumi.deferredOutput<string[]>();
  pending.set(owner, { construct, name, stage, resolve });
  if (!hookInstalled) {
    hookInstalled = true;
    process.once('beforeExit', () => {
      hookInstalled = false;
      settleUnwatchedEndpoints();
    });
  }
  return output;
}

/** Whether the endpoint has rollback alarms waiting for actions (aws, automatic rollback on, not yet claimed). */
export function awaitsAlarmActions(endpoint: object): boolean {
  const entry = pending.get(endpoint);
  return entry !== undefined && entry.claimedBy === undefined;
}

/**
 * Gives `endpoint`'s rollback alarms these actions (the watching MonitoringStack's topic ARNs). Returns false when
 * the endpoint has no rollback alarms (not aws, or automatic rollback off). A second MonitoringStack on the same
 * endpoint is an error: its alarms have one set of actions.
 */
export function attachAlarmActions(
  endpoint: object,
  actions: pulumi.Input<pulumi.Input<string>[]>,
  claimant: { readonly construct: string; readonly name: string },
): boolean {
  const entry = pending.get(endpoint);
  if (!entry) return false;
  if (entry.claimedBy !== undefined) {
    throw new ValidationError(claimant.construct, claimant.name, [
      {
        path: 'endpoint',
        message: `${entry.construct} "${entry.name}" is already watched by MonitoringStack "${entry.claimedBy}", which gives its rollback alarms their actions`,
        fix: 'watch each endpoint with one MonitoringStack (give that one every notification target)',
      },
    ]);
  }
  entry.claimedBy = claimant.name;
  entry.resolve(pulumi.output(actions) as pulumi.Output<string[]>);
  return true;
}

/**
 * Settles every endpoint no MonitoringStack claimed: in dev its rollback alarms get no action; in staging and prod
 * this throws a ValidationError saying how to fix it (every such endpoint listed). Run after the program has
 * returned: a `beforeExit` hook does for `pulumi up` (the refused alarms then never register, so the program fails
 * before they exist); the recorder and `mlops synth`, which deploy nothing, pass `release: true` so the refused
 * alarms resolve too and no registration is left waiting.
 *
 * An Automation API inline program must call it itself, with `release: true`, as its last statement: there the
 * process never empties its event loop, so the hook never fires, and the update would wait forever for refused
 * alarms that are never released (the alarms' registration, and the endpoint's, which depends on them). Released,
 * the refused alarms resolve with no action, so the engine may still create them and the endpoint before the
 * thrown error ends the update as failed; a preview creates nothing.
 */
export function settleUnwatchedEndpoints(options: { readonly release?: boolean } = {}): void {
  const refused: PendingActions[] = [];
  for (const [owner, entry] of pending) {
    pending.delete(owner);
    if (entry.claimedBy !== undefined) continue;
    if (entry.stage === 'dev') entry.resolve(pulumi.output([]));
    else {
      refused.push(entry);
      if (options.release) entry.resolve(pulumi.output([]));
    }
  }
  if (refused.length === 0) return;
  const first = refused[0];
  throw new ValidationError(
    first.construct,
    refused.map((e) => e.name).join('", "'),
    refused.map((entry) => ({
      path: 'rollout.autoRollback',
      message: `${entry.construct} "${entry.name}": its rollback alarms would have no action in ${entry.stage}, so nobody would hear that a release was rolled back`,
      fix: "watch it with a MonitoringStack (its notification targets become the alarms' actions), or set rollout.autoRollback false",
    })),
  );
}
