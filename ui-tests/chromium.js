/**
 * Launch options for Debian's chromium (Playwright's own browser download is
 * blocked on these machines, and must never be attempted).
 */
module.exports = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run'
  ]
};
