/**
 * The reference system's promotion policy: the gates `npx mlops promote --from <stack> --to <stack>` checks
 * before it writes the target stack's `mlops:release`. The stages run dev (docker) -> staging (gcp) -> prod (aws).
 * Each gate is checked against the SOURCE stack's release (its metrics, approval, soak) and the source stack's
 * alarms; `notWorseThanTarget` compares with the release the target serves now.
 *
 * In your own project: `import { definePromotionPolicy } from 'mlops-constructs'`.
 */
import { definePromotionPolicy } from './lib/promotion';

export default definePromotionPolicy({
  schemaVersion: 1,
  targets: {
    // dev -> staging: the model clears staging's own registration bar and dev is quiet.
    staging: {
      // Staging's pipeline registers only models with AUC >= 0.8 (`churn:training.minAuc` in Pulumi.staging.yaml);
      // dev's bar is 0.75, so a dev model between the two would be one staging itself could never have produced.
      metrics: { auc: { min: 0.8 } },
      // Nothing of this system is firing in dev (Alertmanager: `--alertmanager-url`, or an evidence file from
      // `curl http://127.0.0.1:9093/api/v2/alerts`). Every alarm the system creates is named `churn-...`
      // (MonitoringStack `churn-monitoring-<stage>-*`, the endpoint's `churn-<stage>-rollback-*`).
      noOpenAlarms: { alarmNamePrefix: 'churn-', maxEvidenceAgeMinutes: 60 },
    },
    // staging -> prod: better than what prod serves, approved by a person, a day in staging, staging quiet.
    prod: {
      // 0.85, above prod's registration bar of 0.8: a registered model between 0.8 and 0.85 may be tried in
      // staging, but customers only get one with a margin over the bar.
      metrics: { auc: { min: 0.85 } },
      // Never replace prod's model with one that scored lower (AUC: higher is better).
      notWorseThanTarget: { auc: 'higher' },
      // `--approved-by <who>`: a person (or the CI identity of an approved change) signs prod off.
      requireApproval: true,
      // 24 h in staging: a full daily traffic cycle and one run of the daily drift check and retraining
      // schedule have gone by with this release serving.
      minSoakMinutes: 1440,
      // Nothing of this system is firing in staging (Cloud Monitoring incidents, or an evidence file).
      noOpenAlarms: { alarmNamePrefix: 'churn-', maxEvidenceAgeMinutes: 60 },
    },
  },
});
