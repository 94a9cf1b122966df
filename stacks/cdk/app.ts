// The CDK app (`cdk.json` runs it through `run.js`, without a build): synthesizes the reference system with
// CDK's CloudFormation validator, cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 R5 packs, and the
// AWS Control Tower rules (cfn-guard).
import { churnApp } from './churn-app';

churnApp().app.synth();
