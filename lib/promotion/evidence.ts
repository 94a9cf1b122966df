/**
 * Evidence for the promotion gates that look outside the stack files: the open alarms of the source stage
 * (`noOpenAlarms`) and the approval status of an aws registry version (`registry-approval`).
 */

/** The alarms open in a stage when they were checked. */
export interface OpenAlarmsEvidence {
  /** Where the evidence came from: a file path, `cloudwatch <region>`, `alertmanager <url>`, ... */
  source: string;
  /** When the alarms were checked: the file's modification time, or the time of the API call. */
  checkedAt: Date;
  /** The alarms open at `checkedAt` (only open/firing ones; empty when none). */
  openAlarms: { name: string; state: string }[];
}

/** Whether a SageMaker model package version was checked for approval, and what it said. */
export interface RegistryApprovalEvidence {
  /** `false` when nothing could be checked (no credentials). */
  checked: boolean;
  /** SageMaker's `ModelApprovalStatus` (`Approved`, `PendingManualApproval`, `Rejected`) when checked. */
  status?: string;
  /** One sentence for the gate's verdict. */
  reason: string;
}
