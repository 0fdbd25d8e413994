const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

// ESM-only packages that jest must transform.
const esModules = [
  '@codemirror',
  '@jupyter/',
  '@microsoft',
  'exenv-es6',
  '@jupyterlab/',
  'jose',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: [
    'src/**/*.{ts,tsx}',
    '!src/**/*.d.ts',
    '!src/**/.ipynb_checkpoints/*'
  ],
  coverageReporters: ['lcov', 'text-summary'],
  modulePathIgnorePatterns: [
    '<rootDir>/jupyter_extension_server/labextension',
    '<rootDir>/lib',
    '<rootDir>/ui-tests',
    '<rootDir>/.venv',
    '<rootDir>/.cache',
    '<rootDir>/.stack'
  ],
  testRegex: 'src/.*\\.spec\\.tsx?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
