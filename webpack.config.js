// Merged into @jupyter/builder's configuration (package.json `jupyterlab.webpackConfig`).
// The snippet renderer is loaded on first use by two lazy chunks (the snippet actions and the
// Settings Editor's templates field): with webpack's default minimum (20 KB before
// minification) each would carry its own copy; from 10 KB such shared modules get one chunk of
// their own. Packages from node_modules keep the default (jose stays in the start-up chunk).
module.exports = {
  optimization: {
    splitChunks: {
      cacheGroups: {
        default: {
          minChunks: 2,
          minSize: 10000,
          priority: -20,
          reuseExistingChunk: true
        }
      }
    }
  }
};
