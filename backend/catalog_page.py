"""The page's run-time text in English and Simplified Chinese: status lines, empty states, notices, the
doctor's frame on the page, the gauge, previews, drafts and LoRA lines. Part of the one catalog
(backend/catalog.py joins the parts); the page's static labels are Gradio's (ui/labels.py)."""

from __future__ import annotations

PAGE: dict[str, dict[str, str]] = {
    # The fit badge and the presets (backend/presets.py)
    "fit.above_limit": {"en": "Above this preset's limit ({frames} frames, {pixels} pixels): {then}.",
                        "zh": "超出此预设的上限（{frames} 帧，{pixels} 像素）：{then}。"},
    "fit.not_measured": {"en": "Not measured yet for this preset.", "zh": "此预设尚未实测。"},
    "fit.peak": {"en": "Predicted peak {need} GiB of a {budget} GiB budget.{loras}",
                 "zh": "预计峰值 {need} GiB，预算 {budget} GiB。{loras}"},
    "fit.loras": {"en": " (LoRAs add {extra} GiB.)", "zh": "（LoRA 增加 {extra} GiB。）"},
    "fit.tight": {"en": "{peak} Tight: close other GPU programs.", "zh": "{peak}比较紧张：请关闭其他占用 GPU 的程序。"},
    "fit.too_big": {"en": "{peak} Likely out of memory: {then}.", "zh": "{peak}很可能显存不足：{then}。"},
    "fit.smaller_or_bigger": {"en": "choose fewer frames, a smaller size or a bigger preset",
                              "zh": "请减少帧数、缩小尺寸或选择更大的预设"},
    "fit.smaller": {"en": "choose fewer frames or a smaller size", "zh": "请减少帧数或缩小尺寸"},
    "fit.no_gpu": {"en": "No NVIDIA GPU found, so whether this fits cannot be known here.",
                   "zh": "未找到 NVIDIA GPU，因此无法判断是否放得下。"},
    "preset.about.8gb": {"en": "Streams the DiT block by block and keeps the text encoder and VAE in system RAM; the "
                               "model stays warm between clips.",
                         "zh": "逐块加载 DiT，文本编码器和 VAE 放在系统内存中；模型在两个视频之间保持加载。"},
    "preset.about.12gb": {"en": "Streams the DiT block by block, text encoder in system RAM (its embedding stays on "
                                "the GPU), VAE on the GPU; 832×480 only (720p ran out of memory at 12 GB).",
                          "zh": "逐块加载 DiT，文本编码器在系统内存中（其嵌入层留在 GPU 上），VAE 在 GPU 上；仅支持 "
                                "832×480（720p 在 12 GB 上显存不足）。"},
    "preset.about.16gb": {"en": "Streams the DiT block by block with the VAE on the GPU; 720p uses a tiled VAE decode.",
                          "zh": "逐块加载 DiT，VAE 在 GPU 上；720p 使用分块 VAE 解码。"},
    "preset.about.24gb": {"en": "Keeps the whole DiT and the VAE on the GPU; only the text encoder waits in system "
                                "RAM.",
                          "zh": "整个 DiT 和 VAE 都留在 GPU 上；只有文本编码器放在系统内存中。"},
    # The engine's state (backend/jobs/worker.py)
    "engine.loading": {"en": "Loading the model for the {preset} preset…", "zh": "正在为 {preset} 预设加载模型…"},
    "engine.loaded": {"en": "Model loaded ({preset} preset).", "zh": "模型已加载（{preset} 预设）。"},
    "engine.load_failed": {"en": "Loading the model failed: {error}", "zh": "加载模型失败：{error}"},
    "engine.unloaded": {"en": "Model unloaded: its GPU memory and RAM are free. The next Generate loads it again.",
                        "zh": "模型已卸载：其显存和内存已释放。下次生成时会重新加载。"},
    "page.clip_length": {"en": "{frames} frames = {seconds} s at {fps} fps",
                         "zh": "{frames} 帧 = {seconds} 秒（{fps} fps）"},
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
