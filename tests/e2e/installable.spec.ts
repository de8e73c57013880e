import { expect, test, type APIRequestContext } from "@playwright/test";

/**
 * What a browser needs to show the app's icon and install it: the favicon, the icons, the web app
 * manifest, and the page's head pointing at them. Fetched signed out, as a browser fetches them
 * before anyone signs in.
 */

/** Width and height of a PNG (its IHDR chunk). */
function pngSize(bytes: Buffer) {
  expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

/** The sizes an ICO file holds (a width or height byte of 0 means 256). */
function icoSizes(bytes: Buffer) {
  expect(bytes.readUInt16LE(2), "ICO type").toBe(1);
  return Array.from({ length: bytes.readUInt16LE(4) }, (_, i) => {
    const entry = 6 + i * 16;
    return `${bytes[entry] || 256}x${bytes[entry + 1] || 256}`;
  });
}

async function fetchOk(request: APIRequestContext, path: string, type: RegExp) {
  const response = await request.get(path, { maxRedirects: 0 });
  expect(response.status(), path).toBe(200);
  expect(response.headers()["content-type"], path).toMatch(type);
  return response.body();
}

test("the favicon, the icons and the manifest answer with what the manifest and the page head say", async ({
  page,
  request,
}) => {
  expect(icoSizes(await fetchOk(request, "/favicon.ico", /^image\/(x-icon|vnd\.microsoft\.icon)/))).toEqual(
    expect.arrayContaining(["16x16", "32x32"]),
  );
  const svg = (await fetchOk(request, "/icon.svg", /^image\/svg\+xml/)).toString("utf8");
  expect(svg).toMatch(/^<svg[^>]+viewBox="0 0 512 512"/);
  expect(pngSize(await fetchOk(request, "/apple-icon.png", /^image\/png/))).toBe("180x180");

  const manifest = JSON.parse(
    (await fetchOk(request, "/manifest.webmanifest", /^application\/manifest\+json/)).toString("utf8"),
  ) as {
    name: string;
    short_name: string;
    start_url: string;
    display: string;
    theme_color: string;
    background_color: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  };
  expect(manifest).toMatchObject({ name: "Threadkeeper", start_url: "/", display: "standalone" });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);
  // Installable in Chromium: a 192 and a 512 px PNG; on Android also a maskable one.
  const png = manifest.icons.filter((icon) => icon.type === "image/png");
  expect(png.map((icon) => `${icon.sizes} ${icon.purpose ?? "any"}`).sort()).toEqual([
    "192x192 any",
    "512x512 any",
    "512x512 maskable",
  ]);
  for (const icon of png) expect(pngSize(await fetchOk(request, icon.src, /^image\/png/)), icon.src).toBe(icon.sizes);
  for (const icon of manifest.icons.filter((i) => i.type === "image/svg+xml"))
    await fetchOk(request, icon.src, /^image\/svg\+xml/);

  // The head of a page (the first one anyone sees) links them, with a theme colour per scheme.
  await page.goto("/sign-in");
  const head = await page.evaluate(() => ({
    links: [...document.head.querySelectorAll("link[rel]")].map(
      (l) => `${l.getAttribute("rel")} ${l.getAttribute("href")}`,
    ),
    themes: [...document.head.querySelectorAll('meta[name="theme-color"]')].map(
      (m) => `${m.getAttribute("media")} ${m.getAttribute("content")}`,
    ),
  }));
  expect(head.links).toEqual(
    expect.arrayContaining(["manifest /manifest.webmanifest", "icon /icon.svg", "apple-touch-icon /apple-icon.png"]),
  );
  expect(head.themes).toEqual([
    `(prefers-color-scheme: light) ${manifest.theme_color}`,
    expect.stringMatching(/^\(prefers-color-scheme: dark\) #[0-9a-f]{6}$/i),
  ]);
});
