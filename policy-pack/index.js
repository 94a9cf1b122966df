// Entry point of the policy pack: `pulumi preview --policy-pack node_modules/mlops-constructs/policy-pack`.
// Inside an installed mlops-constructs the pack uses the library it ships with (../dist), and its
// dependencies (@pulumi/policy, @pulumi/pulumi) resolve from the project's node_modules. A copy of this
// folder placed elsewhere uses the mlops-constructs that `npm install` put beside it.
const fs = require('node:fs');
const path = require('node:path');

const shipped = path.join(__dirname, '..', 'dist', 'lib', 'policy', 'pack.js');
const { createPolicyPack } = fs.existsSync(shipped)
  ? require(shipped)
  : require('mlops-constructs/policy/pack');
createPolicyPack();
