// The picker window's size, shared by the background (which opens it) and the demo (which photographs it).
export const PICKER_WIDTH = 560;
export const PICKER_HEIGHT = 720;
