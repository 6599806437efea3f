// Lighthouse's mobile defaults on each page, one Chromium for them all (each run starts
// with the page's storage and cache cleared, as the command line does).
// Usage: node tests/lighthouse.mjs '[{"url": "...", "cookie": "..."}, ...]'
// Prints one JSON line per page: its scores (0 to 100), bytes transferred, requests, fonts.
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const CATEGORIES = ["performance", "accessibility", "best-practices"];
const pages = JSON.parse(process.argv[2]);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
try {
  for (const page of pages) {
    // Neither the full-page screenshot nor the back/forward cache check (a second
    // navigation) counts towards a score; both take seconds on a busy machine.
    const flags = { port: chrome.port, output: "json", logLevel: "error",
                    onlyCategories: CATEGORIES, disableFullPageScreenshot: true,
                    skipAudits: ["bf-cache"] };
    if (page.cookie) flags.extraHeaders = { Cookie: page.cookie };
    const { lhr } = await lighthouse(page.url, flags);
    const requests = lhr.audits["network-requests"].details.items;
    const scores = Object.fromEntries(
      CATEGORIES.map((name) => [name, Math.round(100 * (lhr.categories[name].score ?? 0))]));
    console.log(JSON.stringify({
      url: page.url,
      scores,
      transferred: requests.reduce((sum, item) => sum + (item.transferSize ?? 0), 0),
      requests: requests.length,
      fonts: requests.filter((item) => item.resourceType === "Font").map((item) => item.url),
      runtimeError: lhr.runtimeError?.message ?? null,
    }));
  }
} finally {
  await chrome.kill();
}
