const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const hexGroupPattern = /^[0-9a-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address in any valid spelling, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) is the last two groups.
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    if (!ipv4Pattern.test(tail)) return null;
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string) => (half === "" ? [] : half.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...rest];
  return groups.every((g) => hexGroupPattern.test(g)) ? groups.map((g) => parseInt(g, 16)) : null;
}

/**
 * An IP address as people write it. better-auth stores IPv6 addresses fully expanded
 * (`0000:0000:…:0001`), which nobody reads at a glance, so pages show the RFC 5952 form instead
 * (`::1`, `2001:db8::1`), and an IPv4 address carried in IPv6 (`::ffff:1.2.3.4`) as the IPv4
 * address it is. Only for showing: what is stored stays as it is. Anything that is not an
 * address comes back unchanged.
 */
export function displayIpAddress(address: string): string {
  const trimmed = address.trim();
  if (ipv4Pattern.test(trimmed)) return trimmed;
  const groups = ipv6Groups(trimmed);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  // The longest run of two or more zero groups becomes `::`; the first one when runs tie.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > best.length) best = { start: i, length: end - i };
    i = Math.max(i, end);
  }
  const hex = (part: number[]) => part.map((g) => g.toString(16)).join(":");
  return best.start < 0
    ? hex(groups)
    : `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}
