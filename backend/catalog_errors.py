"""The sentences of the errors built from values (LoRA files, the clip and draft counts, the weights
download and the Hugging Face Hub), the server's refusals before the page and a job's notes on its
previews, in English and Simplified Chinese. Part of the one catalog
(backend/catalog.py joins the parts). File names, sizes, checksums and the Hub's own words are values,
shown as they are in every language."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    # A LoRA file (backend/lora/files.py, parse.py, folders.py, vram.py)
    "lora.not_safetensors": {"en": "{name} is not a .safetensors file.", "zh": "{name} 不是 .safetensors 文件。"},
    "lora.not_safetensors_hint": {"en": "Only .safetensors LoRA files are read: .pt, .ckpt and .bin files can run "
                                        "code when opened.",
                                  "zh": "只读取 .safetensors 格式的 LoRA 文件：.pt、.ckpt 和 .bin 文件在打开时可能运行"
                                        "代码。"},
    "lora.gone": {"en": "The LoRA file {name} is not there any more.", "zh": "LoRA 文件 {name} 已不在原处。"},
    "lora.gone_hint": {"en": "Put it back in a LoRA folder, or choose another LoRA.",
                       "zh": "请把它放回 LoRA 文件夹，或选择其他 LoRA。"},
    "lora.unreadable": {"en": "The LoRA file {name} cannot be read ({error}).",
                        "zh": "无法读取 LoRA 文件 {name}（{error}）。"},
    "lora.not_file": {"en": "{name} is not a file.", "zh": "{name} 不是文件。"},
    "lora.too_big": {"en": "{name} is {size} GB; LoRA files over 2 GB are refused.",
                     "zh": "{name} 有 {size} GB；超过 2 GB 的 LoRA 文件会被拒绝。"},
    "lora.too_big_hint": {"en": "A LoRA for this model is usually 50–600 MB; this is probably a whole model.",
                          "zh": "这个模型的 LoRA 通常为 50–600 MB；这个文件可能是一个完整的模型。"},
    "lora.incomplete": {"en": "{name} is incomplete or damaged: it ends before its table of tensors says.",
                        "zh": "{name} 不完整或已损坏：文件在其张量表所写的位置之前就结束了。"},
    "lora.download_again": {"en": "Download it again.", "zh": "请重新下载。"},
    "lora.not_format": {"en": "{name} is not a safetensors file.", "zh": "{name} 不是 safetensors 文件。"},
    "lora.is_zip": {"en": "{name} is not a safetensors file (it is a zip archive, as PyTorch .pt/.ckpt files are, "
                          "renamed to .safetensors).",
                    "zh": "{name} 不是 safetensors 文件（它是被改名为 .safetensors 的 zip 压缩包，PyTorch 的 .pt/.ckpt "
                          "文件就是这种格式）。"},
    "lora.is_pickle": {"en": "{name} is not a safetensors file (it is a Python pickle, which can run code when "
                             "opened, renamed to .safetensors).",
                       "zh": "{name} 不是 safetensors 文件（它是被改名为 .safetensors 的 Python pickle，打开时可能运行"
                             "代码）。"},
    "lora.use_safetensors": {"en": "Use the .safetensors version of this LoRA.",
                             "zh": "请使用这个 LoRA 的 .safetensors 版本。"},
    "lora.dtype": {"en": "{name} stores {tensor} as {dtype}; LoRA factors must be F32, F16 or BF16.",
                   "zh": "{name} 以 {dtype} 存储 {tensor}；LoRA 因子必须是 F32、F16 或 BF16。"},
    "lora.not_in_folders": {"en": "The LoRA file {name} is not in any LoRA folder.",
                            "zh": "LoRA 文件 {name} 不在任何 LoRA 文件夹中。"},
    "lora.not_in_folders_hint": {"en": "Put it in the LoRA folder (the LoRA area shows where), or choose another "
                                       "LoRA.",
                                 "zh": "请把它放进 LoRA 文件夹（LoRA 区域会显示位置），或选择其他 LoRA。"},
    "lora.other_file": {"en": "{name} is not the file this clip was made with (sha256 {sha}, recorded {recorded}).",
                        "zh": "{name} 不是生成这个视频时所用的文件（sha256 {sha}，记录的是 {recorded}）。"},
    "lora.other_file_hint": {"en": "Choose the file again to use this version.",
                             "zh": "请重新选择该文件以使用这个版本。"},
    "lora.changed": {"en": "{name} changed after the job was queued (sha256 {sha}, queued with {queued}).",
                     "zh": "{name} 在任务排队后被改动了（sha256 {sha}，排队时为 {queued}）。"},
    "lora.changed_hint": {"en": "Queue the job again to use the new file.", "zh": "请重新排队这个任务以使用新文件。"},
    "lora.no_factors": {"en": "{name} holds no LoRA factors (its keys look like: {examples}).",
                        "zh": "{name} 不含 LoRA 因子（它的键名类似：{examples}）。"},
    "lora.no_factors_hint": {"en": "It may be a whole model or another kind of add-on.",
                             "zh": "它可能是一个完整的模型，或其他类型的附加文件。"},
    "lora.half_layer": {"en": "{name} is damaged: layer {layer} has only half of its LoRA factors.",
                        "zh": "{name} 已损坏：层 {layer} 只有一半的 LoRA 因子。"},
    "lora.other_model": {"en": "{name} is for another model: its layer {layer} is {theirs}, this model's is {ours}.",
                         "zh": "{name} 是为另一个模型制作的：它的层 {layer} 是 {theirs}，而这个模型的是 {ours}。"},
    "lora.other_model_hint": {"en": "Use a LoRA made for Wan2.1 T2V 14B.",
                              "zh": "请使用为 Wan2.1 T2V 14B 制作的 LoRA。"},
    "lora.ranks": {"en": "{name} has rank {rank} in {layer} but rank {other} elsewhere for the same layer; "
                         "block-by-block offload needs one rank for all blocks.",
                   "zh": "{name} 在 {layer} 中的秩是 {rank}，而同类层在其他地方的秩是 {other}；逐块卸载要求所有块使用"
                         "同一个秩。"},
    "lora.no_match": {"en": "{name} matches none of this model's layers (its layers look like: {examples}).",
                      "zh": "{name} 与这个模型的任何层都不匹配（它的层名类似：{examples}）。"},
    "lora.no_match_hint": {"en": "It is probably a LoRA for another model.", "zh": "它可能是为另一个模型制作的 LoRA。"},
    "lora.bad_alpha": {"en": "{name} is damaged: the alpha of {layer} is not one number.",
                       "zh": "{name} 已损坏：{layer} 的 alpha 不是单个数字。"},
    "lora.low_ram": {"en": "Low-RAM mode cannot use LoRAs: the engine reads the model from disk block by block and "
                           "cannot read a LoRA that way.",
                     "zh": "低内存模式无法使用 LoRA：引擎会逐块从磁盘读取模型，无法以这种方式读取 LoRA。"},
    "lora.low_ram_hint": {"en": "Remove the LoRAs, or set Settings → Low-RAM mode to Off (needs about 32 GB of RAM).",
                          "zh": "请移除 LoRA，或在“设置 → 低内存模式”中关闭它（需要约 32 GB 内存）。"},
    # A LoRA choice (backend/request.py, backend/studio_loras.py)
    "lora.strength_type": {"en": "The strength of {name} must be a number, got {value}.",
                           "zh": "{name} 的强度必须是数字，收到的是 {value}。"},
    "lora.strength_range": {"en": "The strength of {name} is {value}: use a number from {min} to {max} (1 is the "
                                  "LoRA as trained, 0 turns it off).",
                            "zh": "{name} 的强度是 {value}：请使用 {min} 到 {max} 之间的数字（1 为训练时的强度，"
                                  "0 为关闭）。"},
    "lora.name_type": {"en": "A LoRA must be named by its file name, got {value}.",
                       "zh": "LoRA 必须用它的文件名指定，收到的是 {value}。"},
    "lora.bad_name": {"en": "{value} is not a LoRA file name.", "zh": "{value} 不是 LoRA 文件名。"},
    "lora.bad_name_hint": {"en": "Choose a LoRA from the list.", "zh": "请从列表中选择 LoRA。"},
    "lora.list_type": {"en": "The LoRAs must be a list, got {kind}.", "zh": "LoRA 必须是一个列表，收到的是 {kind}。"},
    "lora.too_many": {"en": "{count} LoRAs were chosen; a clip can use at most {max}.",
                      "zh": "选择了 {count} 个 LoRA；一个视频最多只能使用 {max} 个。"},
    "lora.item": {"en": "A LoRA must be a file name with a strength, got {value}.",
                  "zh": "LoRA 必须是带强度的文件名，收到的是 {value}。"},
    "lora.bad_sha": {"en": "The sha256 recorded for {name} is not 16 hex digits: {value}.",
                     "zh": "为 {name} 记录的 sha256 不是 16 位十六进制数字：{value}。"},
    "lora.twice": {"en": "{name} is chosen twice.", "zh": "{name} 被选了两次。"},
    "lora.twice_hint": {"en": "Choose it once, with the strength you want.", "zh": "请只选一次，并设置你想要的强度。"},
    "lora.no_such_file": {"en": "The LoRA file {path} does not exist.", "zh": "LoRA 文件 {path} 不存在。"},
    "lora.not_folder": {"en": "{path} is not a folder on this computer.", "zh": "{path} 不是这台电脑上的文件夹。"},
    "lora.that_not_folder": {"en": "That is not a folder on this computer.", "zh": "这不是这台电脑上的文件夹。"},
    "lora.folder_hint": {"en": "Give the full path of a folder.", "zh": "请填写文件夹的完整路径。"},
    # How many clips or drafts (backend/studio.py, backend/studio_drafts.py), a weight set's name
    "count.clips_number": {"en": "The number of clips must be a whole number, got {value}.",
                           "zh": "视频数量必须是整数，收到的是 {value}。"},
    "count.clips_range": {"en": "The number of clips {count} is not allowed: use 1 to {max}.",
                          "zh": "视频数量 {count} 不允许：请使用 1 到 {max}。"},
    "count.drafts_number": {"en": "The number of drafts must be a whole number, got {value}.",
                            "zh": "草稿数量必须是整数，收到的是 {value}。"},
    "count.drafts_range": {"en": "The number of drafts {count} is not allowed: use {min} to {max}.",
                           "zh": "草稿数量 {count} 不允许：请使用 {min} 到 {max}。"},
    "count.only_draft": {"en": "Only a draft can be chosen; this job is a clip.",
                         "zh": "只能选择草稿；这个任务是正式视频。"},
    "weights.no_set": {"en": "There is no weight set named {name}.", "zh": "没有名为 {name} 的权重集。"},
    "weights.choose_set": {"en": "Choose one of: {names}.", "zh": "请从以下选择：{names}。"},
    # The weights download and the Hugging Face Hub (backend/download.py)
    "hub.unreachable": {"en": "Cannot reach the Hugging Face Hub ({detail}).",
                        "zh": "无法连接 Hugging Face Hub（{detail}）。"},
    "hub.unreachable_hint": {"en": "Check the connection or choose a folder that already has the weights.",
                             "zh": "请检查网络连接，或选择已有权重的文件夹。"},
    "hub.offline": {"en": "offline mode is on: HF_HUB_OFFLINE is set", "zh": "离线模式已开启：设置了 HF_HUB_OFFLINE"},
    "hub.refused": {"en": "The Hugging Face Hub refused access to {what} (HTTP {code}).",
                    "zh": "Hugging Face Hub 拒绝访问 {what}（HTTP {code}）。"},
    "hub.refused_hint": {"en": "Enter a Hugging Face access token (or check the one given) and try again.",
                         "zh": "请输入 Hugging Face 访问令牌（或检查已填写的令牌）后重试。"},
    "hub.http": {"en": "The Hugging Face Hub answered HTTP {code} for {what}.",
                 "zh": "Hugging Face Hub 对 {what} 返回了 HTTP {code}。"},
    "hub.http_hint": {"en": "Try again later, or choose a folder that already has the weights.",
                      "zh": "请稍后重试，或选择已有权重的文件夹。"},
    "download.unknown_set": {"en": "Unknown weight set {name}; choose one of {names}.",
                             "zh": "未知的权重集 {name}；请从 {names} 中选择。"},
    "download.absent": {"en": "The Hub repository {repo} no longer has {count} file(s) the {title} needs: {files}. Its "
                              "layout has changed.",
                        "zh": "Hub 仓库 {repo} 已不再包含 {title}需要的 {count} 个文件：{files}。它的结构已经改变。"},
    "download.absent_hint": {"en": "Update Wan Studio, or choose a folder that already has the weights.",
                             "zh": "请更新 Wan Studio，或选择已有权重的文件夹。"},
    "download.no_space": {"en": "Not enough free disk space in {folder}: the {title} needs {needed} more ({weights} of "
                                "weights plus {spare} to spare), only {free} is free.",
                          "zh": "{folder} 的磁盘空间不足：{title}还需要 {needed}（权重 {weights}，另需预留 {spare}），"
                                "但只有 {free} 可用。"},
    "download.no_space_hint": {"en": "Free some space or choose a folder on another disk.",
                               "zh": "请释放一些空间，或选择另一块磁盘上的文件夹。"},
    "download.foreign_file": {"en": "{path} is already there and was not written by Wan Studio, and it is not the file "
                                    "the weights need; it was left untouched and nothing was downloaded.",
                              "zh": "{path} 已经存在，它不是 Wan Studio 写入的，也不是权重所需的文件；它未被改动，"
                                    "也没有下载任何内容。"},
    "download.foreign_file_hint": {"en": "Move it away, or choose an empty folder for the weights.",
                                   "zh": "请把它移走，或为权重选择一个空文件夹。"},
    "download.damaged": {"en": "{path} arrived damaged: its content does not match the Hub's checksum.",
                         "zh": "{path} 下载后已损坏：内容与 Hub 的校验和不一致。"},
    "download.damaged_hint": {"en": "It was removed; start the download again to fetch it anew.",
                              "zh": "它已被删除；请重新开始下载以重新获取。"},
    # The server's own refusals before the page (ui/login_gate.py), in the browser's language
    "gate.other_site": {"en": "Requests from another web site are refused.", "zh": "来自其他网站的请求会被拒绝。"},
    "gate.own_address": {"en": "This page answers only to this computer's own address.",
                         "zh": "这个页面只响应这台电脑自己的地址。"},
    "gate.no_uploads": {"en": "This page takes no uploads.", "zh": "这个页面不接受上传。"},
    "gate.too_many": {"en": "Too many wrong passwords: try again in {wait} s.",
                      "zh": "密码错误次数过多：请在 {wait} 秒后重试。"},
    "gate.not_yours": {"en": "This file is not yours to see.", "zh": "你无权查看这个文件。"},
    "gate.owner_link": {"en": "This owner link is not valid (Wan Studio makes a new one at every start). Open the "
                              "link the console printed, or log in with the shared password.",
                        "zh": "这个所有者链接无效（Wan Studio 每次启动都会生成新的链接）。请打开控制台打印的链接，或用"
                              "共享密码登录。"},
    # A job's notes on its previews (backend/preview/decoder.py), kept with the clip's record
    "preview.note.damaged": {"en": "Previews used the quick colour map: the TAEHV preview decoder is damaged "
                                   "({problem}). Download it again in the Models tab (it resumes).",
                             "zh": "预览使用了快速色彩映射：TAEHV 预览解码器已损坏（{problem}）。请在“模型”页重新下载"
                                   "（会断点续传）。"},
    "preview.note.load_failed": {"en": "Previews used the quick colour map: the TAEHV preview decoder {file} could "
                                       "not be loaded ({error}). Download it again in the Models tab (it resumes).",
                                 "zh": "预览使用了快速色彩映射：无法加载 TAEHV 预览解码器 {file}（{error}）。请在“模型”"
                                       "页重新下载（会断点续传）。"},
    "preview.note.decode_failed": {"en": "Previews switched to the quick colour map after the TAEHV preview decoder "
                                         "failed ({error}). The clip is not affected.",
                                   "zh": "TAEHV 预览解码器出错（{error}），之后的预览改用快速色彩映射。视频本身不受"
                                         "影响。"},
    # A preset's limits (backend/presets.py), a clip (backend/gallery.py), the engine (backend/engine/*)
    "limit.frames": {"en": "The {preset} preset allows at most {max} frames; {frames} were asked.",
                     "zh": "{preset} 预设最多允许 {max} 帧；请求的是 {frames} 帧。"},
    "limit.frames_hint": {"en": "Choose fewer frames.", "zh": "请减少帧数。"},
    "limit.frames_bigger": {"en": "Choose fewer frames or a bigger preset.", "zh": "请减少帧数，或选择更大的预设。"},
    "limit.pixels": {"en": "The {preset} preset allows at most {max} pixels a frame; {width}×{height} has {pixels}.",
                     "zh": "{preset} 预设每帧最多允许 {max} 像素；{width}×{height} 有 {pixels} 像素。"},
    "limit.pixels_hint": {"en": "Choose a smaller size.", "zh": "请选择更小的尺寸。"},
    "limit.pixels_bigger": {"en": "Choose a smaller size or a bigger preset.",
                            "zh": "请选择更小的尺寸，或更大的预设。"},
    "clip.no_such": {"en": "There is no clip named {name}.", "zh": "没有名为 {name} 的视频。"},
    "clip.save_failed": {"en": "The clip could not be saved in {folder} ({error}).",
                         "zh": "无法把视频保存到 {folder}（{error}）。"},
    "clip.save_failed_hint": {"en": "Free some disk space or choose another clips folder.",
                              "zh": "请释放一些磁盘空间，或选择其他视频文件夹。"},
    "lora.no_folders": {"en": "This app was started without LoRA folders; the job's LoRAs cannot be found.",
                        "zh": "这个应用启动时没有 LoRA 文件夹；找不到这个任务的 LoRA。"},
    "engine.import_failed": {"en": "The LightX2V engine could not be imported ({error}).",
                             "zh": "无法导入 LightX2V 引擎（{error}）。"},
    "engine.import_missing": {"en": "The LightX2V engine could not be imported (missing: {name}).",
                              "zh": "无法导入 LightX2V 引擎（缺少：{name}）。"},
    "engine.install_hint": {"en": "Run launch.sh / launch.bat again with an internet connection to install it, or "
                                  "see the System tab for what is missing.",
                            "zh": "请在联网时再次运行 launch.sh / launch.bat 来安装它，或在“系统”页查看缺少什么。"},
    "engine.no_kernel": {"en": "No working {kind} kernel on this GPU ({failed}).",
                         "zh": "这块 GPU 上没有可用的 {kind} 内核（{failed}）。"},
    "engine.no_kernel_hint": {"en": "Run the doctor (System tab) for details.",
                              "zh": "请运行环境检查（“系统”页）查看详情。"},
    "engine.failed_while": {"en": "The engine failed while {stage}: {detail}.",
                            "zh": "引擎出错（{stage}时）：{detail}。"},
    "engine.lora_apply": {"en": "The engine could not apply the LoRAs.", "zh": "引擎无法应用 LoRA。"},
    "engine.lora_remove": {"en": "The engine could not remove the LoRAs.", "zh": "引擎无法移除 LoRA。"},
    "engine.not_installed": {"en": "{what} is not installed. {hint}", "zh": "{what}未安装。{hint}"},
    "engine.lightx2v": {"en": "The LightX2V engine", "zh": "LightX2V 引擎"},
    "engine.weights_incomplete": {"en": "{summary} Open the Models tab to download them or to choose their folder.",
                                  "zh": "{summary}请打开“模型”页下载，或选择存放它们的文件夹。"},
    "engine.lora_hint": {"en": "The log file has LightX2V's reason.", "zh": "日志文件中有 LightX2V 给出的原因。"},
}
