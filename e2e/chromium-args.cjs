// chromium-args.cjs -- the switches every browser test and page benchmark starts Debian's Chromium
// (/usr/bin/chromium) with: playwright.config.js and bench/web/*.mjs.
//
// Headless Chromium 156 is the whole browser, and it builds the WebUI omnibox popup
// (chrome://omnibox-popup.top-chrome) for every page a test opens: a renderer process of its own
// that loads ~370 resources. On this 2-core machine it took 0.3-0.5 s of CPU in the first 0.7 s
// of every visit, beside the page, and put ~200 ms on the page's first chart point (bench/README.md
// "Load"). A person's browser built its popup when its window opened, not when a link was followed,
// so the tests measure the page without it.
//
// Chromium keeps only the LAST --disable-features switch, and Playwright passes its own first: its
// list (playwright-core 1.65.1, chromiumSwitches.ts) is restated here, or ours would undo it.
const PLAYWRIGHT_DISABLED = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin',
  'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];
const BROWSER_CHROME = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
  `--disable-features=${[...PLAYWRIGHT_DISABLED, ...BROWSER_CHROME].join(',')}`,
];

module.exports = { chromiumArgs, PLAYWRIGHT_DISABLED, BROWSER_CHROME };
