"""Gradio's own words that reach a Chinese page in English: the keys its Simplified Chinese table lacks (given to
its translation in ui/labels.py) and the accessibility labels and tooltips its components write as fixed English
(aria-label, title: read aloud by screen readers, shown on hover), swapped in the browser while the page is
Chinese and back when it is switched to English."""

from __future__ import annotations

import json

from ui.language import STORAGE_KEY

GRADIO_GAPS_ZH: dict[str, str] = {
    "common.complete": "完成",
    "common.progress": "进度",
    "status.queue_position": "排队中：第 {position} / {size} 位",
    "common.download_all": "全部下载",
    "common.run": "运行",
    "common.runs": "运行记录",
    "common.runs_description": "查看保存在这个浏览器中的运行记录",
    "common.back_to_app": "应用",
    "common.back_to_app_description": "返回应用",
    "common.record": "录制",
    "common.stop_recording": "停止录制",
    "common.screen_studio": "屏幕录制",
    "common.share_gradio_tab": "[分享] Gradio 标签页",
    "chatbot.copy_message": "复制消息",
    "chatbot.copied_message": "已复制消息",
    "dataframe.filter": "筛选",
    "dataframe.clear_filter": "清除筛选",
    "audio.recording_error": "无法开始用麦克风录音。",
}
"""Gradio's own keys that its Simplified Chinese table lacks (its English has them; Gradio 6.31), so a Chinese
page never shows their English or the raw key (its status tracker announces "common.complete" after each event)."""

FIXED_LABELS_ZH: dict[str, str] = {
    "Reset to default value": "恢复默认值",
    "More tabs": "更多标签页",
    "Copy": "复制",
    "Copied": "已复制",
    "Copy menu": "复制菜单",
    "Adjust volume": "调节音量",
    "View full screen": "全屏查看",
    "Close full screen": "退出全屏",
    "Close": "关闭",
    "Dismiss": "关闭",
    "Reload": "重新加载",
    "Submit": "提交",
    "Stop": "停止",
    "Upload a file": "上传文件",
    "Upload file": "上传文件",
    "Uploading": "正在上传",
    "Uploaded files": "已上传的文件",
    "Toggle Sidebar": "展开或收起侧边栏",
    "Gradio footer navigation": "Gradio 页脚导航",
    "Select input device": "选择输入设备",
    "Start recording": "开始录制",
    "Stop recording": "停止录制",
    "Reset audio": "重置音频",
    "Loading response": "正在加载回复",
}
"""English labels Gradio's components write into their HTML (not through its translation) → Chinese."""

HEAD = """<script>(() => {
  const zh = @ZH@, en = {};
  for (const [k, v] of Object.entries(zh)) en[v] = k;
  const chinese = () => {
    let pick = null;
    try { pick = localStorage.getItem('@KEY@'); } catch (e) {}
    if (pick === 'zh' || pick === 'en') return pick === 'zh';
    return (navigator.language || '').toLowerCase().startsWith('zh');
  };
  const swap = (root) => {
    const words = chinese() ? zh : en;
    const all = root.querySelectorAll ? root.querySelectorAll('[aria-label],[title]') : [];
    for (const el of [root, ...all]) {
      for (const name of ['aria-label', 'title']) {
        const now = el.getAttribute && el.getAttribute(name);
        if (now && words[now]) el.setAttribute(name, words[now]);
      }
    }
  };
  const start = () => {
    swap(document.body);
    new MutationObserver((changes) => {
      for (const c of changes) {
        if (c.type === 'attributes') swap(c.target);
        else c.addedNodes.forEach((n) => n.nodeType === 1 && swap(n));
      }
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ['aria-label', 'title']});
    window.addEventListener('storage', () => swap(document.body));
    window.wanSwapLabels = () => swap(document.body);
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();</script>""".replace("@ZH@", json.dumps(FIXED_LABELS_ZH, ensure_ascii=False)).replace("@KEY@", STORAGE_KEY)
"""In the page's head (ui/server.py): keeps Gradio's fixed English labels in the page's language."""
