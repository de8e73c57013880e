// Makes the app's PNG and ICO icons from public/icon.svg; run it after changing the SVG and commit
// what it writes. Uses sharp, which Next.js installs for image optimisation, so it needs nothing more.
import { readFileSync, writeFileSync } from "node:fs";
import sharp from "sharp";

const svg = readFileSync("public/icon.svg", "utf8");
// Home screens cut their own shape out of these (Android's masks, iOS's rounded square), so they
// get the background to the edges instead of the SVG's rounded corners; the glyph already sits
// inside the safe zone (the central circle of 80 % the width).
const fullBleed = svg.replace(/ rx="\d+"/, "");
const png = (source, size) => sharp(Buffer.from(source)).resize(size, size).png().toBuffer();

writeFileSync("public/icon-192.png", await png(svg, 192));
writeFileSync("public/icon-512.png", await png(svg, 512));
writeFileSync("public/icon-maskable-512.png", await png(fullBleed, 512));
writeFileSync("public/apple-icon.png", await png(fullBleed, 180));

// favicon.ico for browsers and tools that ask for it without reading the page: PNG images in an
// ICO container (a 6-byte header, a 16-byte entry per image, then the images).
const sizes = [16, 32, 48];
const images = await Promise.all(sizes.map((size) => png(svg, size)));
const header = Buffer.alloc(6 + 16 * sizes.length);
header.writeUInt16LE(1, 2); // type: icon
header.writeUInt16LE(sizes.length, 4);
let offset = header.length;
sizes.forEach((size, i) => {
  const entry = 6 + 16 * i;
  header.writeUInt8(size, entry); // width
  header.writeUInt8(size, entry + 1); // height
  header.writeUInt16LE(1, entry + 4); // colour planes
  header.writeUInt16LE(32, entry + 6); // bits per pixel
  header.writeUInt32LE(images[i].length, entry + 8);
  header.writeUInt32LE(offset, entry + 12);
  offset += images[i].length;
});
writeFileSync("public/favicon.ico", Buffer.concat([header, ...images]));
