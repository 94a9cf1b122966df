/**
 * CDK adapters between the aws blueprint's plain data and the L2 constructs that want objects: an EventBridge
 * target that starts a SageMaker pipeline (aws-events-targets has none in aws-cdk-lib 2.276), and a dashboard
 * widget that is exactly one widget of the blueprint's dashboard body.
 */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Starts a SageMaker pipeline from an EventBridge rule, as the given role. EventBridge calls
 * `StartPipelineExecution` with the pipeline's default parameters.
 */
export class StartPipelineExecutionTarget implements events.IRuleTarget {
  constructor(
    private readonly pipelineArn: string,
    private readonly role: iam.IRole,
  ) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.pipelineArn, role: this.role };
  }
}

/** One widget of a dashboard body, as written: its position and size are the blueprint's, not the layout's. */
export class BlueprintWidget implements cloudwatch.IWidget {
  readonly width: number;
  readonly height: number;

  constructor(private readonly widget: { readonly width: number; readonly height: number }) {
    this.width = widget.width;
    this.height = widget.height;
  }

  /** The blueprint places its widgets; the dashboard's own layout is ignored. */
  position(): void {}

  toJson(): unknown[] {
    return [this.widget];
  }
}
