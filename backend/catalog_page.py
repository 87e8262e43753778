"""The page's run-time text in English and Simplified Chinese: status lines, empty states, notices, the
doctor's frame on the page, the gauge, previews, drafts and LoRA lines. Part of the one catalog
(backend/catalog.py joins the parts); the page's static labels are Gradio's (ui/labels.py)."""

from __future__ import annotations

PAGE: dict[str, dict[str, str]] = {
    # Outcomes (ui/messages.py)
    "page.unexpected": {"en": "Something went wrong while {doing} ({kind}). The log file has the details.",
                        "zh": "{doing}时出现了问题（{kind}）。详情见日志文件。"},
    "page.doing.drafts": {"en": "queueing the drafts", "zh": "排队草稿"},
    "page.doing.clip": {"en": "queueing the clip", "zh": "排队视频"},
    "page.doing.folder": {"en": "adding the folder", "zh": "添加文件夹"},
    # The doctor on the page
    "page.system.intro": {"en": "Checks the GPU, driver, torch, kernels, engine, RAM, disk and weights; the first run "
                                "can take a minute.",
                          "zh": "检查 GPU、驱动、torch、内核、引擎、内存、磁盘和权重；首次运行可能需要一分钟。"},
    "page.system.checking": {"en": "Checking…", "zh": "正在检查…"},
    "page.system.checking_for": {"en": "Checking… ({took}; the GPU probe can take a minute)",
                                 "zh": "正在检查…（已用 {took}；GPU 探测可能需要一分钟）"},
    "page.system.already": {"en": "The checks are already running.", "zh": "检查已在运行。"},
    "page.system.checked_at": {"en": "{headline} (checked {time})", "zh": "{headline}（检查于 {time}）"},
    "page.system.fix": {"en": "Fix: {fix}", "zh": "修复：{fix}"},
    "page.folders.log": {"en": "Log file", "zh": "日志文件"},
    "page.folders.clips": {"en": "Clips", "zh": "视频"},
    "page.folders.data": {"en": "Data (queue)", "zh": "数据（队列）"},
    "page.folders.settings": {"en": "Settings", "zh": "设置"},
    "page.folders.weights": {"en": "Model weights", "zh": "模型权重"},
    "page.folders.ram": {"en": "System RAM", "zh": "系统内存"},
    "page.unknown": {"en": "unknown", "zh": "未知"},
    # The VRAM gauge
    "page.gauge.off": {"en": "No GPU reading.", "zh": "没有 GPU 读数。"},
    "page.gauge.off_hint": {"en": "Generation needs an NVIDIA card; the gallery, queue and settings still work.",
                            "zh": "生成视频需要 NVIDIA 显卡；画廊、队列和设置仍可使用。"},
    "page.gauge.driver": {"en": "driver {driver}", "zh": "驱动 {driver}"},
    "page.gauge.app": {"en": "This app: {app} · peak this job: {peak}", "zh": "本应用：{app} · 本任务峰值：{peak}"},
    "page.gauge.history": {"en": "VRAM use over the last {count} samples", "zh": "最近 {count} 次采样的显存占用"},
    # Notices
    "page.notice.public": {"en": "Temporary public link: {link}", "zh": "临时公开链接：{link}"},
    "page.notice.no_public": {"en": "The public link could not be made (no internet connection, or the tunnel program "
                                    "was blocked). The page still works here at {url}.",
                              "zh": "无法创建公开链接（没有网络连接，或隧道程序被拦截）。页面在这里仍可使用：{url}。"},
    "page.notice.network": {"en": "Open to your local network on port {port}.", "zh": "局域网可通过端口 {port} 访问。"},
    "page.notice.login_generated": {"en": "Login: user {user}, password {password}.",
                                    "zh": "登录：用户名 {user}，密码 {password}。"},
    "page.notice.login_given": {"en": "Login: user {user} with the password given by --auth.",
                                "zh": "登录：用户名 {user}，密码为 --auth 指定的密码。"},
    # The live preview
    "page.preview.empty": {"en": "The preview of the next clip appears here.", "zh": "下一个视频的预览会显示在这里。"},
    "page.preview.in_player": {"en": "The finished clip is in the player and the gallery.",
                               "zh": "生成的视频在播放器和画廊中。"},
    "page.preview.finished": {"en": "The finished clip.", "zh": "生成的视频。"},
    "page.preview.waiting": {"en": "Preview: waiting for the first step…", "zh": "预览：等待第一步…"},
    "page.preview.none": {"en": "Preview: no preview", "zh": "预览：没有预览"},
    "page.preview.alt": {"en": "Preview after step {step}", "zh": "第 {step} 步后的预览"},
    "page.preview.caption": {"en": "Preview after step {step} of {total} (seed {seed}){note}: a rough look at the "
                                   "finished clip.",
                             "zh": "第 {step}/{total} 步后的预览（种子 {seed}）{note}：成片的大致样子。"},
    "page.preview.caption_draft": {"en": "Preview after step {step} of {total} (draft, seed {seed}){note}: a rough "
                                         "look at the finished clip.",
                                   "zh": "第 {step}/{total} 步后的预览（草稿，种子 {seed}）{note}：成片的大致样子。"},
    "page.preview.cancelled": {"en": " (cancelled)", "zh": "（已取消）"},
    # Drafts
    "page.drafts.none": {"en": "No drafts yet.", "zh": "还没有草稿。"},
    "page.drafts.seed": {"en": "seed {seed}", "zh": "种子 {seed}"},
    "page.drafts.queued": {"en": "Queued {count} drafts (seeds {seeds}); each runs one step.",
                           "zh": "已排队 {count} 个草稿（种子 {seeds}）；每个只运行一步。"},
    "page.drafts.choose_first": {"en": "Choose a finished draft first.", "zh": "请先选择一个已完成的草稿。"},
    "page.drafts.full_queued": {"en": "Queued the full clip with seed {seed}.", "zh": "已用种子 {seed} 排队完整视频。"},
    # LoRAs
    "page.lora.empty": {"en": "No LoRA chosen. Put `.safetensors` LoRA files in the LoRA folder, press **Look "
                              "again**, then pick up to three.",
                        "zh": "未选择 LoRA。请把 `.safetensors` LoRA 文件放进 LoRA 文件夹，点击 **重新查找**，然后最"
                              "多选择三个。"},
    "page.lora.rank": {"en": "rank {rank}", "zh": "秩 {rank}"},
    "page.lora.unusable": {"en": "⚠️ cannot be used", "zh": "⚠️ 无法使用"},
    "page.lora.not_in_folders": {"en": "⚠️ not in the LoRA folders", "zh": "⚠️ 不在 LoRA 文件夹中"},
    "page.lora.matched": {"en": "matched {matched} of {layers} layers", "zh": "匹配 {layers} 层中的 {matched} 层"},
    "page.lora.not_applied": {"en": " (not applied: {layers})", "zh": "（未应用：{layers}）"},
    "page.lora.remote": {"en": "LoRA files come from the LoRA folders on the computer that runs Wan Studio.",
                         "zh": "LoRA 文件来自运行 Wan Studio 的电脑上的 LoRA 文件夹。"},
    "page.lora.folders": {"en": "**LoRA folders** (searched in this order):",
                          "zh": "**LoRA 文件夹**（按此顺序查找）："},
    "page.lora.owner_adds": {"en": "Only the owner adds LoRA folders, at the computer that runs Wan Studio.",
                             "zh": "只有所有者可以在运行 Wan Studio 的电脑上添加 LoRA 文件夹。"},
    "page.lora.added": {"en": "Added. Its LoRAs are in the lists now.", "zh": "已添加。其中的 LoRA 已在列表中。"},
    "page.lora.on_host": {"en": "The LoRA folder is on the computer that runs Wan Studio.",
                          "zh": "LoRA 文件夹在运行 Wan Studio 的电脑上。"},
    "page.lora.opened": {"en": "Opened {folder}.", "zh": "已打开 {folder}。"},
    "page.lora.folder_is": {"en": "{why} The LoRA folder is {folder}.", "zh": "{why} LoRA 文件夹是 {folder}。"},
}
