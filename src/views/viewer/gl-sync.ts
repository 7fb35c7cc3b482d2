/**
 * NiiVue bakes each layer into a 3-D texture by drawing it slice by slice
 * into a framebuffer, and asks `checkFramebufferStatus` before every slice.
 * In Chromium that call is a synchronous round trip to the GPU process, which
 * must first finish every draw queued before it: per slice, the page waits
 * for the GPU, and the GPU then waits for the page. On a 143-slice grid with
 * a few layers that is hundreds of stalls per refresh (most of a refresh
 * under software GL).
 *
 * Completeness depends on what is attached, not on which layer of the same
 * texture is attached, so the answer is remembered for the framebuffer's
 * current attachments: the first check of a configuration asks the GPU, the
 * following slices of the same textures do not. Any other change to the
 * framebuffer (another framebuffer bound, a 2-D texture or renderbuffer
 * attached, a texture deleted) forgets the answer.
 */
type Gl = Pick<
  WebGL2RenderingContext,
  'checkFramebufferStatus' | 'framebufferTextureLayer' | 'framebufferTexture2D' | 'framebufferRenderbuffer' | 'bindFramebuffer' | 'deleteTexture' | 'deleteFramebuffer' | 'FRAMEBUFFER_COMPLETE'
>;

export function rememberFramebufferStatus(gl: Gl): { realChecks: () => number } {
  const real = {
    check: gl.checkFramebufferStatus.bind(gl),
    layer: gl.framebufferTextureLayer.bind(gl),
    tex2d: gl.framebufferTexture2D.bind(gl),
    rb: gl.framebufferRenderbuffer.bind(gl),
    bind: gl.bindFramebuffer.bind(gl),
    delTex: gl.deleteTexture.bind(gl),
    delFb: gl.deleteFramebuffer.bind(gl),
  };
  // Attachments made through framebufferTextureLayer since the last reset: attachment → [texture, level].
  let attached = new Map<number, [WebGLTexture | null, number]>();
  let known: { key: string; status: number } | null = null;
  let checks = 0;
  const ids = new WeakMap<object, number>();
  let nextId = 1;
  const idOf = (o: object | null) => {
    if (!o) return 0;
    let id = ids.get(o);
    if (!id) ids.set(o, (id = nextId++));
    return id;
  };
  const forget = () => {
    known = null;
    attached = new Map();
  };
  const key = (target: number) => `${target}|${[...attached].sort((a, b) => a[0] - b[0]).map(([a, [t, l]]) => `${a}:${idOf(t)}:${l}`).join(',')}`;

  gl.framebufferTextureLayer = (target, attachment, texture, level, layer) => {
    const was = attached.get(attachment);
    if (!was || was[0] !== texture || was[1] !== level) known = null;
    attached.set(attachment, [texture, level]);
    real.layer(target, attachment, texture, level, layer);
  };
  gl.framebufferTexture2D = (...a) => (forget(), real.tex2d(...a));
  gl.framebufferRenderbuffer = (...a) => (forget(), real.rb(...a));
  gl.bindFramebuffer = (...a) => (forget(), real.bind(...a));
  gl.deleteTexture = (...a) => (forget(), real.delTex(...a));
  gl.deleteFramebuffer = (...a) => (forget(), real.delFb(...a));
  gl.checkFramebufferStatus = (target) => {
    if (attached.size > 0) {
      const k = key(target);
      if (known?.key === k) return known.status;
      checks++;
      const status = real.check(target);
      // Only a complete configuration is remembered: an incomplete one is asked again (and reported) each time.
      known = status === gl.FRAMEBUFFER_COMPLETE ? { key: k, status } : null;
      return status;
    }
    checks++;
    return real.check(target);
  };
  return { realChecks: () => checks };
}
