/**
 * The only IPC channels between preload and main. The page never sees them: the preload asks for a
 * port on CONNECT, the main process answers on PORT with one end of a MessageChannelMain whose other
 * end it gave the engine host. Contract traffic then flows over that port, not over IPC.
 * REVEAL_FILE (invoke, a queue id) is "Open containing folder": something only the main process can do.
 */
export const IPC = {
  connect: 'edge-capture:connect',
  port: 'edge-capture:port',
  revealFile: 'edge-capture:reveal-file',
} as const;
