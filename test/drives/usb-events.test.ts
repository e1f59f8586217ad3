// Loading node-usb optionally: the native emitter, the node-usb 2 API, and silent fallback when it is missing or broken.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { openUsbEvents, type UsbChange } from '../../src/drives/usb-events.js';

test('with node-usb 3 the native emitter feeds attach and detach, and close unsubscribes', async () => {
  const seen: UsbChange[] = [];
  const calls: string[] = [];
  let attach: ((d: unknown) => void) | undefined;
  let detach: ((h: unknown) => void) | undefined;
  class Emitter {
    async addAttach(cb: (d: unknown) => void): Promise<void> {
      calls.push('addAttach');
      attach = cb;
    }
    async removeAttach(): Promise<void> {
      calls.push('removeAttach');
    }
    async addDetach(cb: (h: unknown) => void): Promise<void> {
      calls.push('addDetach');
      detach = cb;
    }
    async removeDetach(): Promise<void> {
      calls.push('removeDetach');
    }
  }
  const events = await openUsbEvents((c) => seen.push(c), { load: async (s) => (s === 'usb/index.js' ? { default: { Emitter } } : {}) });
  assert.ok(events);
  attach?.({ vendorId: 1 });
  detach?.('handle');
  assert.deepEqual(seen, ['attach', 'detach']);
  await events.close();
  await events.close();
  assert.deepEqual(calls, ['addAttach', 'addDetach', 'removeAttach', 'removeDetach']);
});

test('node-usb 2 (usb.on) is used when the native emitter is not there', async () => {
  const usb = new EventEmitter();
  const seen: UsbChange[] = [];
  const events = await openUsbEvents((c) => seen.push(c), {
    load: async (s) => {
      if (s === 'usb/index.js') throw new Error('Cannot find module');
      return { usb };
    },
  });
  assert.ok(events);
  usb.emit('attach', {});
  usb.emit('detach', {});
  assert.deepEqual(seen, ['attach', 'detach']);
  await events.close();
  assert.equal(usb.listenerCount('attach'), 0);
});

test('a missing module or a native failure (no /sys/bus/usb) gives undefined, silently', async () => {
  assert.equal(await openUsbEvents(() => undefined, { load: async () => { throw new Error('Cannot find module usb'); } }), undefined);
  class Broken {
    async addAttach(): Promise<void> {
      throw new Error('getDevices error: /sys/bus/usb/devices/ not found');
    }
    async removeAttach(): Promise<void> {}
    async addDetach(): Promise<void> {}
    async removeDetach(): Promise<void> {}
  }
  assert.equal(await openUsbEvents(() => undefined, { load: async (s) => (s === 'usb/index.js' ? { Emitter: Broken } : {}) }), undefined);
});

test('the installed node-usb opens and closes (or is absent) without crashing or holding the process', async () => {
  const events = await openUsbEvents(() => undefined);
  await events?.close();
});
