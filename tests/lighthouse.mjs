// Lighthouse's mobile defaults on each page, in one Node process.
// Usage: node tests/lighthouse.mjs '[{"url": "...", "cookie": "..."}, ...]'
// Prints one JSON line per page: its scores (0 to 100), bytes transferred, requests, fonts.
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const CATEGORIES = ["performance", "accessibility", "best-practices"];
const METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                 "cumulative-layout-shift", "speed-index"];
const pages = JSON.parse(process.argv[2]);
for (const page of pages) {
  // A Chromium of its own for each page, as the command line does: a page visited leaves
  // cookies (a session) that the next page's request would carry.
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH,
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
  });
  try {
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
      finalUrl: lhr.finalDisplayedUrl,
      document: requests.find((item) => item.resourceType === "Document")?.transferSize ?? 0,
      scores,
      transferred: requests.reduce((sum, item) => sum + (item.transferSize ?? 0), 0),
      requests: requests.length,
      fonts: requests.filter((item) => item.resourceType === "Font").map((item) => item.url),
      runtimeError: lhr.runtimeError?.message ?? null,
      metrics: Object.fromEntries(METRICS.map((name) => [
        name, Math.round(lhr.audits[name].numericValue * 100) / 100])),
    }));
  } finally {
    await chrome.kill();
  }
}
