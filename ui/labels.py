"""The page's static labels, info texts and button values in English and Simplified Chinese, through
Gradio's own translation (`gr.I18n`, given to `launch(i18n=...)`): the browser's language picks one.

Run-time text (status, errors, the doctor's report) comes from the backend's catalog instead."""

from __future__ import annotations

import gradio as gr

from ui.gradio_zh import GRADIO_GAPS_ZH

LABELS: dict[str, dict[str, str]] = {
    "generate.button": {"en": "Generate", "zh": "生成"},
    "prompt.label": {"en": "Prompt", "zh": "提示词"},
    "prompt.placeholder": {"en": "Describe the video: subject, action, place, light, camera. One or two sentences "
                                 "work well.",
                           "zh": "描述视频：主体、动作、地点、光线、镜头。一两句话效果最好。"},
    "prompt.examples": {"en": "Example prompts", "zh": "示例提示词"},
    "prompt.examples_list": {"en": "Examples", "zh": "示例"},
    "language.label": {"en": "Language", "zh": "语言"},
    "notices.dismiss": {"en": "Dismiss", "zh": "关闭"},
    "preview.setting": {"en": "Preview after every step", "zh": "每一步后预览"},
    "preview.setting_info": {"en": "Shows what the clip will look like while it renders. Drafts always have theirs.",
                             "zh": "渲染时显示视频的大致样子。草稿始终有预览。"},
    "drafts.title": {"en": "Draft seeds: compare first steps before a full clip",
                     "zh": "草稿种子：先比较第一步，再生成完整视频"},
    "drafts.count": {"en": "Seeds to draft", "zh": "草稿种子数"},
    "drafts.button": {"en": "Draft seeds", "zh": "生成草稿"},
    "drafts.choice": {"en": "Seed to make in full", "zh": "要完整生成的种子"},
    "drafts.use": {"en": "Make the full clip with this seed", "zh": "用这个种子生成完整视频"},
    "lora.title": {"en": "LoRA add-ons (styles, motion)", "zh": "LoRA 附加模型（风格、运动）"},
    "lora.strength": {"en": "Strength", "zh": "强度"},
    "lora.rescan": {"en": "↻ Look again", "zh": "↻ 重新查找"},
    "lora.open": {"en": "📂 Open the LoRA folder", "zh": "📂 打开 LoRA 文件夹"},
    "lora.folder": {"en": "Another folder of LoRAs (full path)", "zh": "另一个 LoRA 文件夹（完整路径）"},
    "lora.add": {"en": "Add folder", "zh": "添加文件夹"},
    "size.landscape": {"en": "landscape", "zh": "横屏"},
    "size.portrait": {"en": "portrait", "zh": "竖屏"},
    "size.square": {"en": "square", "zh": "方形"},
    "size.from_clip": {"en": "from a clip", "zh": "来自视频"},
    "preset.auto": {"en": "Auto", "zh": "自动"},
    "preset.auto_no_gpu": {"en": "Auto (no GPU found)", "zh": "自动（未找到 GPU）"},
    "low_ram.auto": {"en": "Automatic (from this computer's RAM)", "zh": "自动（按这台电脑的内存）"},
    "low_ram.on": {"en": "On: read the model from disk (less RAM, slower)",
                   "zh": "开启：从磁盘读取模型（内存少，较慢）"},
    "low_ram.off": {"en": "Off: keep the model in RAM", "zh": "关闭：模型保留在内存中"},
    "tab.studio": {"en": "Studio", "zh": "创作"},
    "tab.models": {"en": "Models", "zh": "模型"},
    "tab.system": {"en": "System", "zh": "系统"},
    "settings.heading": {"en": "### Settings", "zh": "### 设置"},
    "video.size": {"en": "Size (width × height)", "zh": "尺寸（宽 × 高）"},
    "video.frames": {"en": "Frames", "zh": "帧数"},
    "video.count": {"en": "Clips", "zh": "视频数"},
    "video.seed": {"en": "Seed", "zh": "种子"},
    "video.seed_placeholder": {"en": "random, or a number", "zh": "random（随机）或一个数字"},
    "video.pick_seed": {"en": "🎲 Pick a seed", "zh": "🎲 选一个种子"},
    "video.lock_seed": {"en": "Lock seed (off: a new random seed each clip)",
                        "zh": "锁定种子（关闭时每个视频用新的随机种子）"},
    "preset.label": {"en": "VRAM preset", "zh": "显存预设"},
    "generate.cancel_running": {"en": "⏹ Cancel the running job", "zh": "⏹ 取消正在运行的任务"},
    "generate.free_gpu": {"en": "⏏ Free GPU memory", "zh": "⏏ 释放显存"},
    "queue.heading": {"en": "### Queue", "zh": "### 队列"},
    "queue.cancel_waiting": {"en": "Cancel all waiting", "zh": "取消所有等待中的任务"},
    "queue.clear_finished": {"en": "Clear finished", "zh": "清除已结束的任务"},
    "gallery.heading": {"en": "### Clips", "zh": "### 视频"},
    "player.label": {"en": "Latest clip", "zh": "最新视频"},
    "player.reuse": {"en": "↩ Reuse settings", "zh": "↩ 复用设置"},
    "player.delete": {"en": "🗑 Delete", "zh": "🗑 删除"},
    "player.open_folder": {"en": "📂 Open folder", "zh": "📂 打开文件夹"},
    "player.download": {"en": "⬇ Download", "zh": "⬇ 下载"},
    "settings.low_ram": {"en": "Low-RAM mode", "zh": "低内存模式"},
    "settings.low_ram_info": {"en": "Reading the model from disk as it runs needs far less system RAM but is slower.",
                              "zh": "运行时从磁盘读取模型，所需系统内存少得多，但速度较慢。"},
    "settings.guests_prompts": {"en": "Guests see other people's prompts", "zh": "访客可以看到其他人的提示词"},
    "settings.guests_prompts_info": {"en": "People logged in with the shared password see their own jobs' prompts; "
                                           "with this on, also everyone else's (in the queue and the progress line).",
                                     "zh": "用共享密码登录的人可以看到自己任务的提示词；开启后，也能看到其他所有人的"
                                           "（在队列和进度行中）。"},
    "settings.guests_clips": {"en": "Guests see every clip", "zh": "访客可以看到所有视频"},
    "settings.guests_clips_info": {"en": "Off: a guest sees and downloads only the clips they made.",
                                   "zh": "关闭时：访客只能看到和下载自己生成的视频。"},
    "system.heading": {"en": "### Environment check", "zh": "### 环境检查"},
    "system.run": {"en": "Run the checks", "zh": "运行检查"},
    "system.report": {"en": "Report (copy it into a bug report)", "zh": "报告（可复制到问题报告中）"},
    "system.folders": {"en": "### Folders", "zh": "### 文件夹"},
    "models.folder": {"en": "Weights folder", "zh": "权重文件夹"},
    "models.folder_info": {"en": "A folder that already has the weights, or where to download them.",
                           "zh": "已有权重的文件夹，或要把权重下载到的文件夹。"},
    "models.confirm": {"en": "Use it even though it holds other files (nothing there is ever replaced)",
                       "zh": "即使其中有其他文件也使用它（那里的文件永远不会被替换）"},
    "models.use_folder": {"en": "Use this folder", "zh": "使用这个文件夹"},
    "models.default_folder": {"en": "Back to the default folder", "zh": "恢复默认文件夹"},
    "models.set": {"en": "Weight set", "zh": "权重集"},
    "models.set_info": {"en": "Picked from your card: FP8 needs an RTX 40 or 50 (sm_89+).",
                        "zh": "按你的显卡选择：FP8 需要 RTX 40 或 50 系列（sm_89+）。"},
    "models.set_fp8": {"en": "FP8 (RTX 40 and 50 series)", "zh": "FP8（RTX 40 和 50 系列）"},
    "models.set_int8": {"en": "INT8 (RTX 30 series and older)", "zh": "INT8（RTX 30 系列及更早）"},
    "models.token": {"en": "Hugging Face token (optional, not saved)", "zh": "Hugging Face 令牌（可选，不会保存）"},
    "models.download": {"en": "⬇ Download / resume", "zh": "⬇ 下载 / 继续"},
    "models.cancel": {"en": "Cancel download", "zh": "取消下载"},
    "models.decoder_heading": {"en": "#### Sharper previews (optional)", "zh": "#### 更清晰的预览（可选）"},
    "models.decoder_download": {"en": "⬇ Download the preview decoder", "zh": "⬇ 下载预览解码器"},
}
"""Key → {"en", "zh"}; tests/test_i18n_page.py checks both languages and that every key is used."""

ZH_LOCALES = ("zh", "zh-CN", "zh-Hans", "zh-SG")
"""Browser languages that get the Simplified Chinese labels (Gradio matches the full tag, then its language)."""


def translations() -> gr.I18n:
    """The `gr.I18n` for launch: English, and Chinese under each Simplified Chinese tag."""
    zh = GRADIO_GAPS_ZH | {key: entry["zh"] for key, entry in LABELS.items()}
    return gr.I18n(en={key: entry["en"] for key, entry in LABELS.items()}, **dict.fromkeys(ZH_LOCALES, zh))


def label(key: str) -> gr.i18n.I18nData:
    """A label the browser shows in its language (an unknown key is a programming error)."""
    if key not in LABELS:
        raise KeyError(key)
    return gr.i18n.I18nData(key)
