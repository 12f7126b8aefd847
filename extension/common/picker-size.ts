// The picker window's size at 100 % zoom, shared by the background (which opens it), the window
// (which scales it by its zoom and the screen) and the demo (which photographs it).
export const PICKER_WIDTH = 560;
export const PICKER_HEIGHT = 720;
