"""Every run-time message of the app, keyed by message id: {"en": ..., "zh": ...}.

Keys are `area.name`; `{name}` fields are filled by backend.i18n.text (or kept with a Message). Every error
class in backend/errors.py has `error.<kind>` here. The doctor's words live in backend/catalog_doctor.py,
the page's run-time text in backend/catalog_page.py and backend/catalog_studio.py, the sentences of
the errors built from values in backend/catalog_errors.py; CATALOG joins the parts
(a key in two parts is an error). tests/test_i18n.py checks both languages, the fields, and that every key
is used in the code."""

from __future__ import annotations

from backend.catalog_doctor import DOCTOR
from backend.catalog_errors import ERRORS
from backend.catalog_page import PAGE
from backend.catalog_studio import STUDIO

CORE: dict[str, dict[str, str]] = {
    # Console (app.py)
    "cli.error": {"en": "error: {text}", "zh": "错误：{text}"},
    "cli.seed_line": {"en": "seed {seed}, {width}x{height}, {frames} frames",
                      "zh": "种子 {seed}，{width}x{height}，{frames} 帧"},
    "cli.preview": {"en": "preview {path}", "zh": "预览 {path}"},
    "cli.saved": {"en": "saved {path}", "zh": "已保存 {path}"},
    "cli.eta": {"en": "ETA {time}", "zh": "剩余 {time}"},
    "cli.download_line": {"en": "{done} of {total}", "zh": "已下载 {done} / {total}"},
    "cli.verify_start": {"en": "Checking every file of the {title} ({size}, read in full: about {time})…",
                         "zh": "正在校验 {title}的每个文件（共 {size}，需完整读取，约 {time}）…"},
    "cli.verify_nothing": {"en": "Looking for the files of the {title}…", "zh": "正在查找 {title}的文件…"},
    "cli.doctor_start": {"en": "Checking the GPU, torch, kernels and weights (up to a few minutes the first time)…",
                         "zh": "正在检查 GPU、torch、内核和权重（首次最多需要几分钟）…"},
    "cli.weights_ok": {"en": "All {checked} files of the {set} set are present in {folder}.",
                       "zh": "{set} 权重集的全部 {checked} 个文件都在 {folder} 中。"},
    "cli.weights_verified": {"en": "All {checked} files of the {set} set are present and verified in {folder}.",
                             "zh": "{set} 权重集的全部 {checked} 个文件都在 {folder} 中，且已校验无误。"},
    "cli.copy_failed": {"en": "the clip is saved as {path} but could not be copied to {out} ({error})",
                        "zh": "视频已保存为 {path}，但无法复制到 {out}（{error}）"},
    # Download states
    "download.idle": {"en": "waiting", "zh": "等待中"},
    "download.checking": {"en": "checking", "zh": "检查中"},
    "download.downloading": {"en": "downloading", "zh": "下载中"},
    "download.verifying": {"en": "verifying", "zh": "校验中"},
    "download.done": {"en": "done", "zh": "已完成"},
    "download.failed": {"en": "failed", "zh": "失败"},
    "download.cancelled": {"en": "cancelled", "zh": "已取消"},
    "download.none_started": {"en": "No download has started.", "zh": "尚未开始下载。"},
    "download.checking_set": {"en": "Checking what the {title} needs…", "zh": "正在检查 {title}需要哪些文件…"},
    "download.cancelling": {"en": "Cancelling…", "zh": "正在取消…"},
    "download.busy": {"en": "The {title} is already downloading.", "zh": "{title}正在下载中。"},
    "download.busy_hint": {"en": "Wait for it or cancel it first.", "zh": "请等它完成，或先取消它。"},
    "download.cancelled_kept": {"en": "Download cancelled; finished and partial files are kept, so starting again "
                                      "resumes where it stopped.",
                                "zh": "下载已取消；已完成和部分下载的文件都会保留，再次开始时会从中断处继续。"},
    "download.write_failed": {"en": "Could not write the weights in {folder} ({error}). Check the disk has room and "
                                    "the folder is writable.",
                              "zh": "无法在 {folder} 中写入权重（{error}）。请确认磁盘有空间且文件夹可写。"},
    "download.crashed": {"en": "The download stopped on an unexpected error ({error}); the log has details.",
                         "zh": "下载因意外错误而停止（{error}），详情见日志。"},
    "download.finished": {"en": "{summary} Downloaded {size} in {time}.", "zh": "{summary}用时 {time} 下载了 {size}。"},
    "download.fetching": {"en": "Downloading {count} file(s), {size}, of the {title} into {folder}.",
                          "zh": "正在把 {title}的 {count} 个文件（{size}）下载到 {folder}。"},
    "files.weight_set": {"en": "{name} set", "zh": "{name} 权重集"},
    "files.preview_decoder": {"en": "TAEHV preview decoder", "zh": "TAEHV 预览解码器"},
    "files.one.present": {"en": "The {title} is present in {folder}.", "zh": "{title}已在 {folder} 中。"},
    "files.one.verified": {"en": "The {title} is present and verified in {folder}.",
                           "zh": "{title}已在 {folder} 中，且已校验无误。"},
    "files.one.missing": {"en": "The {title} ({file}) is not in {folder}.",
                          "zh": "{title}（{file}）不在 {folder} 中。"},
    "files.one.damaged": {"en": "The {title} is damaged ({problem}). Download it again (it resumes).",
                          "zh": "{title}已损坏（{problem}）。请重新下载（会断点续传）。"},
    "download.verifying_all": {"en": "Checking every file of the set…", "zh": "正在校验权重集的每个文件…"},
    # Stages of a job
    "stage.queued": {"en": "waiting in the queue", "zh": "排队等待中"},
    "stage.loading": {"en": "loading the model", "zh": "正在加载模型"},
    "stage.encoding": {"en": "encoding the prompt", "zh": "正在编码提示词"},
    "stage.denoising": {"en": "denoising", "zh": "正在去噪"},
    "stage.decoding": {"en": "decoding the video", "zh": "正在解码视频"},
    "stage.saving": {"en": "saving the clip", "zh": "正在保存视频"},
    "stage.done": {"en": "done", "zh": "完成"},
    "stage.step": {"en": "step {step} of {total}", "zh": "第 {step}/{total} 步"},
    # The doctor's report frame (check details stay as the checks word them)
    "doctor.title": {"en": "Wan Studio {version} environment report", "zh": "Wan Studio {version} 环境检查报告"},
    "doctor.fix": {"en": "fix", "zh": "修复"},
    "doctor.counts": {"en": "{fail} failed, {warn} warning(s), {ok} ok, {skip} skipped.",
                      "zh": "{fail} 项失败，{warn} 项警告，{ok} 项正常，{skip} 项跳过。"},
    "doctor.verdict.no_gpu": {"en": "No NVIDIA GPU: generation is unavailable on this computer.",
                              "zh": "没有 NVIDIA GPU：这台电脑无法生成视频。"},
    "doctor.verdict.not_ready": {"en": "Not ready: fix the failed lines, top first, then run the doctor again.",
                                 "zh": "尚未就绪：请从上到下修复失败的项目，然后再次运行检查。"},
    "doctor.verdict.ready": {"en": "Ready to generate.", "zh": "可以开始生成。"},
    # Presets
    "preset.unknown": {"en": "There is no preset named '{name}'.", "zh": "没有名为“{name}”的预设。"},
    "preset.choose": {"en": "Choose one of: {names}.", "zh": "请从以下选择：{names}。"},
    # The data folder's owner
    "lock.owner": {"en": "{what} (process {pid}, started {started})", "zh": "{what}（进程 {pid}，启动于 {started}）"},
    "lock.another_process": {"en": "another process", "zh": "另一个进程"},
    "error.folder_in_use.detail": {"en": "The data folder {folder} is in use by {who}.",
                                   "zh": "数据文件夹 {folder} 正被{who}使用。"},
    "error.folder_in_use.hint": {"en": "Close that first, or use --home to keep a separate folder.",
                                 "zh": "请先关闭它，或用 --home 指定另一个文件夹。"},
    "cli.port_busy": {"en": "the port {port} is in use ({error}); choose another with --port.",
                      "zh": "端口 {port} 已被占用（{error}）；请用 --port 选择其他端口。"},
    "cli.stopped": {"en": "Stopped.", "zh": "已停止。"},
    "cli.stuck": {"en": "It does not answer; if it is stuck, end that process.",
                  "zh": "它没有响应；如果它卡住了，请结束那个进程。"},
    "cli.use_running": {"en": "Use the Models tab of the running studio, or run this when it has stopped.",
                        "zh": "请使用正在运行的 Wan Studio 的“模型”页，或等它停止后再运行此命令。"},
    "cli.handing_over": {"en": "Handing the job to the running studio at {url} (process {pid}).",
                         "zh": "正在把任务交给运行在 {url} 的 Wan Studio（进程 {pid}）。"},
    "cli.running_open": {"en": "Wan Studio is already running for this data folder at {url} (process {pid}); open "
                               "that address in your browser.",
                         "zh": "这个数据文件夹的 Wan Studio 已在 {url} 运行（进程 {pid}）；请在浏览器中打开该地址。"},
    "cli.running_opened": {"en": "Wan Studio is already running for this data folder at {url} (process {pid}); opened "
                                 "it in your browser.",
                           "zh": "这个数据文件夹的 Wan Studio 已在 {url} 运行（进程 {pid}）；已在浏览器中打开。"},
    # The server's console lines
    "serve.running": {"en": "Wan Studio is running at {url}", "zh": "Wan Studio 正在运行：{url}"},
    "serve.owner_link": {"en": "Wan Studio is running. Open it with your own link (it opens the page as the owner; "
                               "keep it to yourself): {url}",
                         "zh": "Wan Studio 正在运行。请用你自己的链接打开（以所有者身份打开页面；请勿分享）：{url}"},
    "serve.network": {"en": "It is open to your network on port {port}: {addresses}",
                      "zh": "局域网可通过端口 {port} 访问：{addresses}"},
    "serve.network_any": {"en": "use this computer's address.", "zh": "请使用这台电脑的地址。"},
    "serve.public": {"en": "Public link: {url}", "zh": "公开链接：{url}"},
    "serve.no_public": {"en": "The public link could not be made (offline, or the tunnel program was blocked); the "
                              "page still works on this computer.",
                        "zh": "无法创建公开链接（离线，或隧道程序被拦截）；页面在这台电脑上仍可使用。"},
    "serve.login_generated": {"en": "Login: user '{user}', password '{password}' (also shown on the page).",
                              "zh": "登录：用户名“{user}”，密码“{password}”（页面上也会显示）。"},
    "serve.login_given": {"en": "Login: user '{user}' with the password given by --auth.",
                          "zh": "登录：用户名“{user}”，密码为 --auth 指定的密码。"},
    "serve.stop": {"en": "Press Ctrl+C to stop.", "zh": "按 Ctrl+C 停止。"},
    "serve.guest_login": {"en": "For guests: {url} asks for the password below (logging in there makes you a guest).",
                          "zh": "访客地址：{url}，需要下面的密码（在那里登录即为访客）。"},
    # A request's values (backend/request.py)
    "request.field.prompt": {"en": "prompt", "zh": "提示词"},
    "request.field.negative_prompt": {"en": "negative prompt", "zh": "反向提示词"},
    "request.field.width": {"en": "width", "zh": "宽度"},
    "request.field.height": {"en": "height", "zh": "高度"},
    "request.field.frames": {"en": "frame count", "zh": "帧数"},
    "request.field.seed": {"en": "seed", "zh": "种子"},
    "request.not_text": {"en": "The {field} must be text, not {kind}.", "zh": "{field}必须是文本，而不是 {kind}。"},
    "request.empty": {"en": "The {field} is empty.", "zh": "{field}是空的。"},
    "request.empty_hint": {"en": "Describe the video you want, in a sentence or two.",
                           "zh": "请用一两句话描述你想要的视频。"},
    "request.too_long": {"en": "The {field} is {length} characters long; at most {max} are accepted.",
                         "zh": "{field}有 {length} 个字符；最多接受 {max} 个。"},
    "request.too_long_hint": {"en": "The text encoder reads only the first {tokens} tokens (about 2,000 characters).",
                              "zh": "文本编码器只读取前 {tokens} 个词元（约 2,000 个字符）。"},
    "request.whole_number": {"en": "The {field} must be a whole number, got {value}.",
                             "zh": "{field}必须是整数，收到的是 {value}。"},
    "request.size": {"en": "The {name} {value} is not allowed: use a multiple of 16 from {min} to {max}.",
                     "zh": "{name} {value} 不允许：请使用 {min} 到 {max} 之间 16 的倍数。"},
    "request.size_hint": {"en": "The trained sizes are 832×480, 480×832, 1280×720 and 720×1280.",
                          "zh": "训练时使用的尺寸是 832×480、480×832、1280×720 和 720×1280。"},
    "request.pixels": {"en": "{width}×{height} has {pixels} pixels; at most {max} (1280×720) are allowed.",
                       "zh": "{width}×{height} 有 {pixels} 像素；最多允许 {max}（1280×720）。"},
    "request.frames": {"en": "The frame count {frames} is not allowed: use 4k+1 from {min} to {max} (for example 49, "
                             "81 or 121).",
                       "zh": "帧数 {frames} 不允许：请使用 {min} 到 {max} 之间的 4k+1（例如 49、81 或 121）。"},
    "request.frames_hint": {"en": "At {fps} fps, 81 frames is about 5 seconds.",
                            "zh": "在 {fps} fps 下，81 帧约为 5 秒。"},
    "request.seed": {"en": "The seed {seed} is out of range: use 0 to {max}, or leave it empty for random.",
                     "zh": "种子 {seed} 超出范围：请使用 0 到 {max}，或留空以随机。"},
    "request.preset_type": {"en": "The preset must be a name such as '8gb' or 'auto', got {value}.",
                            "zh": "预设必须是名称，例如“8gb”或“auto”，收到的是 {value}。"},
    "request.long_prompt": {"en": "This prompt is about {estimate} tokens; the text encoder reads only the first "
                                  "{tokens}, so the end of it will be ignored.",
                            "zh": "这段提示词约有 {estimate} 个词元；文本编码器只读取前 {tokens} 个，结尾部分会被忽略"
                                  "。"},
    "request.preset_name": {"en": "The preset name {value} is not valid.", "zh": "预设名称 {value} 无效。"},
    # Errors: one per class (`error.<kind>`), then the sentences of the errors built from values
    "error.error": {"en": "Something went wrong.", "zh": "出现了问题。"},
    "error.bad_request": {"en": "This request was not accepted; nothing ran.", "zh": "请求未被接受，未执行任何操作。"},
    "error.lora": {"en": "This LoRA file cannot be used; nothing ran.", "zh": "无法使用该 LoRA 文件，未执行任何操作。"},
    "error.preset": {"en": "The preset is unknown or its file is malformed.", "zh": "预设未知或预设文件格式有误。"},
    "error.cancelled": {"en": "Cancelled by the user.", "zh": "已被用户取消。"},
    "error.out_of_vram": {"en": "The GPU ran out of memory while {stage}.", "zh": "GPU 显存不足（{stage}时）。"},
    "error.out_of_vram.lower": {"en": "Try the {preset} preset, fewer frames or a smaller size.",
                                "zh": "请改用 {preset} 预设、减少帧数或缩小尺寸。"},
    "error.out_of_vram.hint": {"en": "Try fewer frames or a smaller size, and close other programs that use the GPU.",
                               "zh": "请减少帧数或缩小尺寸，并关闭其他占用 GPU 的程序。"},
    "error.out_of_host_ram": {"en": "The computer ran out of system memory (RAM) for the model.",
                              "zh": "电脑的系统内存（RAM）不足，无法容纳模型。"},
    "error.out_of_host_ram.detail": {"en": "The computer ran out of system memory (RAM) for the model ({detail}).",
                                     "zh": "电脑的系统内存（RAM）不足，无法容纳模型（{detail}）。"},
    "error.out_of_host_ram.hint": {"en": "Close other programs, or choose a preset with 'low RAM' (lazy loading) in "
                                         "Settings.",
                                   "zh": "请关闭其他程序，或在设置中选择带“低内存”（延迟加载）的预设。"},
    "error.weights_missing": {"en": "Model weights are missing in {folder}: {files}.",
                              "zh": "{folder} 中缺少模型权重：{files}。"},
    "error.weights_missing.more": {"en": "Model weights are missing in {folder}: {files} and {more} more.",
                                   "zh": "{folder} 中缺少模型权重：{files} 以及另外 {more} 个文件。"},
    "error.weights_missing.hint": {"en": "Open the Models tab to download them or to choose a folder that has them.",
                                   "zh": "请打开“模型”页下载权重，或选择已有权重的文件夹。"},
    "error.engine_unusable": {"en": "The engine cannot run on this computer.", "zh": "引擎无法在这台电脑上运行。"},
    "error.engine_unavailable": {"en": "The LightX2V engine cannot be imported or started.",
                                 "zh": "无法导入或启动 LightX2V 引擎。"},
    "error.no_gpu": {"en": "No NVIDIA GPU with CUDA was found.", "zh": "未找到支持 CUDA 的 NVIDIA GPU。"},
    "error.no_gpu.detail": {"en": "No NVIDIA GPU with CUDA was found ({detail}).",
                            "zh": "未找到支持 CUDA 的 NVIDIA GPU（{detail}）。"},
    "error.no_gpu.hint": {"en": "Generation needs an NVIDIA card with 8 GB or more; the gallery and settings still "
                                "work.",
                          "zh": "生成视频需要 8 GB 或以上显存的 NVIDIA 显卡；画廊和设置仍可使用。"},
    "error.gpu_arch": {"en": "The installed PyTorch has no kernels for {gpu}.",
                       "zh": "已安装的 PyTorch 没有适用于 {gpu} 的内核。"},
    "error.gpu_arch.hint": {"en": "Reinstall torch built for CUDA 12.8 or newer (needed for RTX 50 cards): {command}",
                            "zh": "请重新安装基于 CUDA 12.8 或更新版本构建的 torch（RTX 50 系列显卡需要）：{command}"},
    "error.save_failed": {"en": "The finished clip could not be saved.", "zh": "无法保存生成的视频。"},
    "error.engine_failed": {"en": "The engine failed; the log file has the details.",
                            "zh": "引擎运行失败，详情见日志文件。"},
    "error.download": {"en": "The weight download failed or was refused.", "zh": "权重下载失败或被拒绝。"},
    "error.not_found": {"en": "That job or clip does not exist.", "zh": "该任务或视频不存在。"},
    "error.record_damaged": {"en": "The clip's record could not be read.", "zh": "无法读取该视频的记录。"},
    "error.handoff": {"en": "The running Wan Studio could not take this job.",
                      "zh": "正在运行的 Wan Studio 无法接收这个任务。"},
    "error.not_allowed": {"en": "Only the owner may do this; nothing was changed.",
                          "zh": "只有所有者可以执行此操作，未做任何更改。"},
    "error.folder_in_use": {"en": "Another Wan Studio is using this data folder; nothing in it was touched.",
                            "zh": "另一个 Wan Studio 正在使用这个数据文件夹，其中的内容未被改动。"},
    "error.needs_confirmation": {"en": "This folder has other files in it: use it only if you are sure.",
                                 "zh": "这个文件夹里有其他文件：请确认后再使用。"},
    "error.details": {"en": "{title} Details: {detail}", "zh": "{title}详情：{detail}"},
    "error.line": {"en": "{text} {hint}", "zh": "{text}{hint}"},
    "error.engine_failed.detail": {"en": "The engine failed: {detail}.", "zh": "引擎运行失败：{detail}。"},
    "error.see_log": {"en": "See the log file for details.", "zh": "详情见日志文件。"},
    "job.oom_retry": {"en": "Ran out of GPU memory on the {preset} preset while {stage}; retried once on {lower} with "
                            "the same seed.",
                      "zh": "{preset} 预设{stage}时显存不足；已用相同的种子在 {lower} 上重试一次。"},
    # A job's own endings
    "job.cancelled": {"en": "Cancelled.", "zh": "已取消。"},
    "job.cancelled_waiting": {"en": "Cancelled before it started.", "zh": "开始前已取消。"},
    "job.interrupted": {"en": "The app stopped while this job was running. Re-queue it to try again.",
                        "zh": "这个任务运行时应用停止了。请重新排队再试。"},
    "job.crashed": {"en": "Unexpected error; see the log file for details.", "zh": "意外错误，详情见日志文件。"},
    "job.save_crashed": {"en": "Saving the clip failed unexpectedly; see the log file.",
                         "zh": "保存视频时发生意外错误，详情见日志文件。"},
}


def _joined(*parts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    joined: dict[str, dict[str, str]] = {}
    for part in parts:
        twice = sorted(set(joined) & set(part))
        if twice:
            raise ValueError(f"catalog keys defined twice: {twice}")
        joined.update(part)
    return joined


CATALOG = _joined(CORE, DOCTOR, PAGE, STUDIO, ERRORS)
