// Entry point of the policy pack: `pulumi up --policy-pack node_modules/mlops-constructs/policy-pack`.
require('mlops-constructs/policy/pack').createPolicyPack();
