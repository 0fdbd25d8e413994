module.exports = {
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/eslint-recommended',
    'plugin:@typescript-eslint/recommended',
    'plugin:prettier/recommended'
  ],
  parser: '@typescript-eslint/parser',
  parserOptions: {
    project: 'tsconfig.test.json',
    sourceType: 'module',
    tsconfigRootDir: __dirname
  },
  plugins: ['@typescript-eslint'],
  rules: {
    '@typescript-eslint/naming-convention': [
      'error',
      {
        selector: 'interface',
        format: ['PascalCase'],
        custom: { regex: '^I[A-Z]', match: true }
      }
    ],
    '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
    '@typescript-eslint/no-explicit-any': 'off',
    '@typescript-eslint/no-namespace': 'off',
    '@typescript-eslint/no-use-before-define': 'off',
    curly: ['error', 'all'],
    eqeqeq: 'error',
    'no-console': ['error', { allow: ['warn', 'error'] }],
    'prefer-arrow-callback': 'error',
    // UseSignal connects after mount and loses a change made in between
    // (the catalog could stay 'Listing…' for good): views use Follow.
    'no-restricted-imports': [
      'error',
      {
        paths: [
          {
            name: '@jupyterlab/ui-components',
            importNames: ['UseSignal'],
            message:
              'Use Follow (src/components/Follow.tsx): UseSignal misses changes made before it mounts.'
          },
          {
            name: '@jupyterlab/apputils',
            importNames: ['UseSignal'],
            message:
              'Use Follow (src/components/Follow.tsx): UseSignal misses changes made before it mounts.'
          }
        ]
      }
    ]
  },
  overrides: [
    {
      // Follow's own spec shows what UseSignal misses.
      files: ['src/components/Follow.spec.tsx'],
      rules: { 'no-restricted-imports': 'off' }
    }
  ]
};
