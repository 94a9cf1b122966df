/**
 * Tests of a bare aws ModelEndpoint in staging or prod: give its rollback alarms the actions a MonitoringStack
 * would (an existing ops topic), since an unwatched endpoint there is refused when the program ends.
 */
import { attachAlarmActions } from '../../lib/model-endpoint/alarm-actions';

/** The topic the test endpoints' rollback alarms notify. */
export const OPS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops';

/** Gives `endpoint`'s rollback alarms the ops topic as their action, as a watching MonitoringStack does; returns it. */
export function watched<T extends object>(endpoint: T): T {
  attachAlarmActions(endpoint, [OPS_TOPIC_ARN], { construct: 'MonitoringStack', name: 'test-watch' });
  return endpoint;
}
