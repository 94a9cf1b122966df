import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'cdk.out/**', 'node_modules/**', 'coverage/**', 'jest.config.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Pulumi and CDK take untyped JSON documents (IAM, pipeline definitions); `unknown` is used instead.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The policy pack's entry point is plain CommonJS, loaded by the Pulumi CLI.
    files: ['policy-pack/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read untyped JSON documents (templates, policies) and assert on their shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
