import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';

// Thin desktop shell. The engine will run in a utilityProcess (desktop UI issue); this only opens the window.
async function createWindow(): Promise<void> {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'Edge Capture',
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  await window.loadFile(join(import.meta.dirname, '..', '..', 'renderer', 'index.html'));
}

app.whenReady().then(createWindow);
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
