// Prompt storms (issue 14 item 3): Tokensign's window opens only right after the person acted on the
// page, as browsers do for permission prompts and pop-ups. The browser's own transient user
// activation (about 5 s after a click or key press, set only by trusted input) is the signal; the
// page cannot fake it. Browsers without the UserActivation API (none of those supported today) are let through.

interface UserActivationLike {
  isActive: boolean;
}

export function hasRecentUserGesture(nav: { userActivation?: UserActivationLike } = navigator as { userActivation?: UserActivationLike }): boolean {
  const activation = nav.userActivation;
  return activation === undefined ? true : activation.isActive;
}
