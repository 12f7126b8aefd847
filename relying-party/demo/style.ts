// The demo portal's look: a plain government-portal style (blue bar, white cards, large type).
export const DEMO_CSS = `
*{box-sizing:border-box}
html{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;color:#0b1f33;background:#eef2f7}
body{margin:0}
.topbar{background:#0d4cd3;color:#fff}
.topbar-inner{max-width:960px;margin:0 auto;padding:14px 24px;display:flex;align-items:center;justify-content:space-between}
.brand{display:flex;align-items:center;gap:12px;color:#fff;text-decoration:none}
.brand span{display:flex;flex-direction:column}
.brand strong{font-size:20px;letter-spacing:.2px}
.brand small{font-size:13px;opacity:.85}
.emblem{width:44px;height:44px}
.lang{color:#fff;border:1px solid rgba(255,255,255,.6);border-radius:6px;padding:6px 12px;text-decoration:none;font-size:14px}
.page{max-width:640px;margin:40px auto;padding:0 24px}
.card{background:#fff;border-radius:12px;box-shadow:0 2px 10px rgba(11,31,51,.1);padding:32px 36px}
h1{font-size:26px;margin:0 0 12px;line-height:1.25}
.lead{font-size:16px;color:#40556b;margin:0 0 20px;line-height:1.5}
.steps{margin:0 0 28px;padding-left:22px;line-height:1.7;font-size:15px}
button{font:inherit;font-size:16px;border-radius:8px;padding:14px 22px;cursor:pointer;border:1px solid #0d4cd3;background:#fff;color:#0d4cd3}
button.primary{background:#0d4cd3;color:#fff;width:100%}
button.primary:hover{background:#0b3fb0}
button:disabled{opacity:.6;cursor:progress}
.progress{color:#40556b;margin:16px 0 0}
.error{margin-top:20px;border-left:4px solid #ee3f58;background:#fff3f5;padding:14px 18px;border-radius:6px}
.error p{margin:6px 0 8px}
.error code{display:block;white-space:pre-wrap;word-break:break-word;font-size:12px;color:#66727f;margin-top:6px}
.status{margin:20px 0 0;font-size:13px;color:#66727f}
.status[data-state=no-extension],.status[data-state=no-host]{color:#b4233a}
.profile .welcome{color:#1b8a3a;font-weight:bold;margin:0 0 8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:10px 20px;margin:20px 0 28px;font-size:15px}
dt{color:#66727f}
dd{margin:0;font-weight:600}
.footer{font-size:12px;color:#66727f;text-align:center;margin-top:24px}
`;
