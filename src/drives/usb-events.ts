// USB attach/detach notifications from node-usb, loaded lazily and optionally: without it, drives are found by polling alone.
//
// node-usb 3 (the `usb` package) ships its native part as prebuilt per-platform packages
// (@node-usb/usb-<platform>), installed as optional dependencies, so it may be missing. Its
// WebUSB-style `usb.addEventListener` rethrows native errors from a timer, which would crash the
// daemon on machines without /sys/bus/usb (containers); we use the native `Emitter` instead,
// whose calls return promises we can catch. node-usb 2's `usb.on('attach'|'detach')` is accepted
// too. A USB event only says "something changed": where a drive appeared is read from the mount
// table, which stays the ground truth.

/** Why a USB event fired. */
export type UsbChange = 'attach' | 'detach';

/** A running subscription to USB changes. */
export interface UsbEvents {
  /** Stops listening; safe to call twice. */
  close(): Promise<void>;
}

/** The part of node-usb 3's native Emitter we use. */
interface NativeEmitter {
  addAttach(cb: (device: unknown) => void): Promise<void>;
  removeAttach(): Promise<void>;
  addDetach(cb: (handle: unknown) => void): Promise<void>;
  removeDetach(): Promise<void>;
}

/** The part of node-usb 2's `usb` object we use. */
interface LegacyUsb {
  on(event: UsbChange, cb: (device: unknown) => void): unknown;
  removeListener(event: UsbChange, cb: (device: unknown) => void): unknown;
}

/** Loads a module by name (injected so tests can simulate a missing or broken native module). */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

const defaultLoader: ModuleLoader = (specifier) => import(specifier) as Promise<unknown>;

function member(obj: unknown, name: string): unknown {
  return typeof obj === 'object' && obj !== null && name in obj ? (obj as Record<string, unknown>)[name] : undefined;
}

function isNativeEmitter(v: unknown): v is NativeEmitter {
  return ['addAttach', 'removeAttach', 'addDetach', 'removeDetach'].every((k) => typeof member(v, k) === 'function');
}

function isLegacyUsb(v: unknown): v is LegacyUsb {
  return typeof member(v, 'on') === 'function' && typeof member(v, 'removeListener') === 'function';
}

/** Finds a constructor named Emitter in a CommonJS module seen through import(). */
function emitterClass(mod: unknown): (new () => unknown) | undefined {
  for (const candidate of [member(mod, 'Emitter'), member(member(mod, 'default'), 'Emitter')]) {
    if (typeof candidate === 'function') return candidate as new () => unknown;
  }
  return undefined;
}

async function openNative(load: ModuleLoader, onChange: (c: UsbChange) => void): Promise<UsbEvents | undefined> {
  const Emitter = emitterClass(await load('usb/index.js'));
  if (!Emitter) return undefined;
  const emitter = new Emitter();
  if (!isNativeEmitter(emitter)) return undefined;
  await emitter.addAttach(() => onChange('attach'));
  try {
    await emitter.addDetach(() => onChange('detach'));
  } catch (err) {
    await emitter.removeAttach().catch(() => undefined);
    throw err;
  }
  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      await emitter.removeAttach().catch(() => undefined);
      await emitter.removeDetach().catch(() => undefined);
    },
  };
}

async function openLegacy(load: ModuleLoader, onChange: (c: UsbChange) => void): Promise<UsbEvents | undefined> {
  const mod = await load('usb');
  const usb = [member(mod, 'usb'), member(member(mod, 'default'), 'usb')].find(isLegacyUsb);
  if (!usb) return undefined;
  const attach = (): void => onChange('attach');
  const detach = (): void => onChange('detach');
  usb.on('attach', attach);
  usb.on('detach', detach);
  return {
    close: async () => {
      usb.removeListener('attach', attach);
      usb.removeListener('detach', detach);
    },
  };
}

/**
 * Subscribes to USB attach/detach. Resolves to undefined, silently, when node-usb is not
 * installed, its native part cannot load, or the system has no USB hot-plug support: callers then
 * rely on polling the mount table. Never throws.
 */
export async function openUsbEvents(onChange: (change: UsbChange) => void, options: { load?: ModuleLoader } = {}): Promise<UsbEvents | undefined> {
  const load = options.load ?? defaultLoader;
  for (const open of [openNative, openLegacy]) {
    try {
      const events = await open(load, onChange);
      if (events) return events;
    } catch {
      // not this flavour of node-usb, or no native support here: try the next, then give up quietly
    }
  }
  return undefined;
}
