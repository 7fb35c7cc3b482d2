/**
 * rememberFramebufferStatus (gl-sync.ts): NiiVue's per-slice completeness
 * checks reach the GPU once per framebuffer configuration. The context here
 * is a recorder of the calls that matter (Node has no WebGL); the rendering
 * itself is covered by the viewer's golden screenshots in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { rememberFramebufferStatus } from '../../src/views/viewer/gl-sync.ts';

const COMPLETE = 0x8cd5;
const INCOMPLETE = 0x8cd6;
const FB = 0x8d40;
const C0 = 0x8ce0;
const C1 = 0x8ce1;

function recorder(status = () => COMPLETE) {
  const calls: string[] = [];
  const gl = {
    FRAMEBUFFER_COMPLETE: COMPLETE,
    checkFramebufferStatus: () => (calls.push('check'), status()),
    framebufferTextureLayer: (_t: number, a: number, _tex: unknown, _l: number, layer: number) => void calls.push(`layer ${a} ${layer}`),
    framebufferTexture2D: () => void calls.push('tex2d'),
    framebufferRenderbuffer: () => void calls.push('rb'),
    bindFramebuffer: () => void calls.push('bind'),
    deleteTexture: () => void calls.push('delete'),
    deleteFramebuffer: () => void calls.push('deleteFb'),
  };
  return { gl: gl as unknown as WebGL2RenderingContext, calls };
}

/** NiiVue's loop: attach layer i of `tex` (and of `tex2` at C1), check, draw. */
function bake(gl: WebGL2RenderingContext, tex: object, slices: number, tex2?: object): number[] {
  const out: number[] = [];
  for (let i = 0; i < slices; i++) {
    gl.framebufferTextureLayer(FB, C0, tex as WebGLTexture, 0, i);
    if (tex2) gl.framebufferTextureLayer(FB, C1, tex2 as WebGLTexture, 0, i);
    out.push(gl.checkFramebufferStatus(FB));
  }
  return out;
}

describe('rememberFramebufferStatus', () => {
  it('asks the GPU once per texture configuration, not once per slice, and passes every call through', () => {
    const { gl, calls } = recorder();
    const r = rememberFramebufferStatus(gl);
    const a = {}, b = {}, c = {};
    expect(bake(gl, a, 143)).toEqual(Array(143).fill(COMPLETE));
    expect(r.realChecks()).toBe(1);
    expect(calls.filter((x) => x.startsWith('layer'))).toHaveLength(143);
    bake(gl, b, 143); // another texture: asked again
    expect(r.realChecks()).toBe(2);
    bake(gl, b, 10, c); // a second attachment changes the configuration
    expect(r.realChecks()).toBe(3);
  });

  it('binding a framebuffer, attaching 2-D textures or renderbuffers, or deleting a texture forgets the answer', () => {
    const { gl } = recorder();
    const r = rememberFramebufferStatus(gl);
    const a = {};
    bake(gl, a, 3);
    for (const change of [() => gl.bindFramebuffer(FB, null), () => gl.framebufferTexture2D(FB, C0, 0, null, 0), () => gl.framebufferRenderbuffer(FB, C0, 0, null), () => gl.deleteTexture(null)]) {
      const before = r.realChecks();
      change();
      bake(gl, a, 3);
      expect(r.realChecks()).toBe(before + 1);
    }
  });

  it('an incomplete framebuffer is asked about (and reported) every time', () => {
    const { gl } = recorder(() => INCOMPLETE);
    const r = rememberFramebufferStatus(gl);
    expect(bake(gl, {}, 5)).toEqual(Array(5).fill(INCOMPLETE));
    expect(r.realChecks()).toBe(5);
  });

  it('a check with nothing attached through layers goes to the GPU', () => {
    const { gl } = recorder();
    const r = rememberFramebufferStatus(gl);
    gl.checkFramebufferStatus(FB);
    gl.checkFramebufferStatus(FB);
    expect(r.realChecks()).toBe(2);
  });
});
