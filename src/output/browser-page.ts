/**
 * The browser-source page: a transparent page with one canvas that shows the newest frame received over
 * a WebSocket. Messages are a 12-byte header (width, height, seq as little-endian u32) and raw RGBA.
 * Only the latest message is kept and it is drawn on the next animation frame, so a slow page skips
 * frames instead of falling behind. The query string (e.g. ?token=) is passed on to the WebSocket.
 */
export function browserSourcePage(wsPath: string): string {
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>stylecast</title>
<style>
  html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; width: 100%; height: 100%; }
  canvas { width: 100vw; height: 100vh; object-fit: contain; display: block; }
</style>
</head>
<body>
<canvas id="out" width="16" height="16"></canvas>
<script>
(() => {
  const canvas = document.getElementById('out');
  const ctx = canvas.getContext('2d', { alpha: true });
  const stats = (window.stylecast = { received: 0, drawn: 0, lastSeq: -1, connected: false });
  let latest = null;
  function draw() {
    if (latest) {
      const { width, height, seq, pixels } = latest;
      latest = null;
      if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
      ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
      stats.drawn++;
      stats.lastSeq = seq;
    }
    requestAnimationFrame(draw);
  }
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(scheme + '//' + location.host + ${JSON.stringify(wsPath)} + location.search);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { stats.connected = true; };
    ws.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer) || event.data.byteLength < 12) return;
      const head = new DataView(event.data, 0, 12);
      const width = head.getUint32(0, true), height = head.getUint32(4, true), seq = head.getUint32(8, true);
      if (event.data.byteLength !== 12 + width * height * 4) return;
      stats.received++;
      latest = { width, height, seq, pixels: new Uint8ClampedArray(event.data, 12) };
    };
    ws.onclose = () => { stats.connected = false; setTimeout(connect, 1000); };
  }
  connect();
  requestAnimationFrame(draw);
})();
</script>
</body>
</html>
`;
}
