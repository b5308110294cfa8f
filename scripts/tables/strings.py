"""Every user-visible string of the generated tables and plots, in both languages."""

STRINGS = {
    "en": {
        "unknown": "unknown",
        "unsupported": "—",
        "announced_mark": "†",
        "src": "Src",
        "notes_title": "Notes",
        "legend_unknown": "unknown = not published by the vendor or not confirmed from a source.",
        "sources_title": "Sources",
        "legend_common": (
            "— = not supported by this part; unknown = not published by the vendor or not "
            "confirmed from a source; † = announced, not shipping yet (vendor figures may change)."
        ),
        # accelerator-tflops
        "tflops_caption": (
            "Dense peak throughput per GPU or chip, no sparsity, in TFLOPS (INT8 in TOPS), "
            "sorted by BF16. Where the vendor quotes only figures with sparsity they are halved; "
            "superchips and racks are divided down to one GPU (see notes)."
        ),
        "accelerator": "Accelerator",
        "int8": "INT8 (TOPS)",
        # accelerator-memory
        "memory_caption": (
            "Memory, bandwidth and power per GPU or chip, with two derived BF16 columns, "
            "sorted by BF16 TFLOPS."
        ),
        "mem_gb": "Memory (GB)",
        "mem_type": "Type",
        "mem_bw": "Bandwidth (TB/s)",
        "tdp": "TDP (W)",
        "ridge": "BF16 FLOPs/byte",
        "per_watt": "BF16 TFLOPS/W",
        "memory_legend": (
            "BF16 FLOPs/byte = BF16 TFLOPS ÷ memory bandwidth: the roofline ridge point. A kernel "
            "whose arithmetic intensity is below it is limited by memory bandwidth, above it by "
            "compute. BF16 TFLOPS/W uses the vendor's peak and TDP, not measured power. "
            "Row notes are under the TFLOPS table."
        ),
        # hbm
        "hbm_caption": "HBM generations, per stack (one HBM device); highest values the cited source gives.",
        "generation": "Generation",
        "year": "Year",
        "pin_rate": "Gb/s per pin",
        "bus": "Bus (bit)",
        "height": "Max stack",
        "cap_stack": "GB per stack",
        "bw_stack": "GB/s per stack",
        "hbm_legend": (
            "Bandwidth per stack = pin rate × bus width ÷ 8. An accelerator's memory bandwidth is "
            "this times its number of stacks, usually at a lower pin rate than the maximum."
        ),
        # intra-node
        "intra_caption": (
            "Scale-up links, bandwidth per accelerator in GB/s (bytes). Vendors usually quote "
            "the bidirectional sum."
        ),
        "link": "Link",
        "used_in": "Used in",
        "per_dir": "Per direction (GB/s)",
        "bidir": "Bidirectional (GB/s)",
        "intra_legend": (
            "One direction is what a ring all-reduce can push per step; compare it with the "
            "inter-node table by converting Gb/s to GB/s (÷ 8)."
        ),
        # inter-node
        "inter_caption": (
            "Scale-out fabrics in Gb/s (bits): speed of one port, and the share of one "
            "accelerator in the typical node design given."
        ),
        "fabric": "Fabric",
        "port": "Port (Gb/s)",
        "per_accel": "Per accelerator (Gb/s)",
        "node_design": "Typical node",
        "inter_legend": (
            "Divide by 8 for GB/s: 400 Gb/s per GPU is 50 GB/s, an order of magnitude below "
            "NVLink inside the node."
        ),
        # plots
        "plot_roofline_title": "BF16 dense peak vs memory bandwidth (per GPU or chip)",
        "plot_roofline_x": "Memory bandwidth (TB/s, log scale)",
        "plot_roofline_y": "BF16 dense TFLOPS (log scale)",
        "plot_roofline_ridge": "{v} FLOPs/byte",
        "plot_roofline_alt": "Scatter plot of BF16 TFLOPS against memory bandwidth for each accelerator",
        "plot_roofline_caption": (
            "Each point is one accelerator from the tables above; dotted lines mark a constant "
            "ridge point (FLOPs per byte). Parts with unknown BF16 or bandwidth are left out."
        ),
        "plot_intra_title": "Intra-node link bandwidth per accelerator (bidirectional)",
        "plot_loss_alt": "Nine small loss-against-step curves, one per pattern of the gallery",
        "plot_loss_caption": "Synthetic loss curves for each pattern (data/loss-patterns.yaml), from step 150 on; "
                             "a cross marks the step where the loss became NaN. Illustrations, not measurements.",
        "plot_loss_x": "step",
        "plot_loss_y": "loss",
        "plot_intra_x": "GB/s (bidirectional)",
        "plot_intra_alt": "Bar chart of intra-node link bandwidth by generation",
        "plot_intra_caption": (
            "Bidirectional GB/s per accelerator, grouped by link family and ordered by year; "
            "links with unknown bandwidth are left out."
        ),
        "plot_inter_title": "Inter-node bandwidth per accelerator",
        "plot_inter_x": "Gb/s per accelerator",
        "plot_inter_alt": "Bar chart of inter-node bandwidth per accelerator by fabric",
        "plot_inter_caption": (
            "Gb/s per accelerator in the typical node design of each fabric, grouped by family."
        ),
        "announced_suffix": " (announced)",
    },
    "zh": {
        "unknown": "未知",
        "unsupported": "—",
        "announced_mark": "†",
        "src": "来源",
        "notes_title": "说明",
        "legend_unknown": "未知表示厂商未公布或未能从来源确认。",
        "sources_title": "来源",
        "legend_common": (
            "— 表示该型号不支持；未知表示厂商未公布或未能从来源确认；"
            "† 表示已发布但尚未出货（厂商数字可能变化）。"
        ),
        "tflops_caption": (
            "单 GPU 或单芯片的稠密峰值（不含稀疏），单位 TFLOPS（INT8 为 TOPS），按 BF16 降序排列。"
            "厂商只给出稀疏数字的已减半；超级芯片与整柜系统已折算到单 GPU（见说明）。"
        ),
        "accelerator": "加速器",
        "int8": "INT8（TOPS）",
        "memory_caption": "单 GPU 或单芯片的显存、带宽与功耗，附两列 BF16 派生指标，按 BF16 TFLOPS 降序排列。",
        "mem_gb": "显存（GB）",
        "mem_type": "类型",
        "mem_bw": "显存带宽（TB/s）",
        "tdp": "TDP（W）",
        "ridge": "BF16 FLOPs/字节",
        "per_watt": "BF16 TFLOPS/W",
        "memory_legend": (
            "BF16 FLOPs/字节 = BF16 TFLOPS ÷ 显存带宽，即屋顶线模型（roofline）的拐点："
            "算术强度低于它的算子受显存带宽限制，高于它的受算力限制。"
            "BF16 TFLOPS/W 按厂商峰值与 TDP 计算，并非实测功耗。各行说明见 TFLOPS 表下方。"
        ),
        "hbm_caption": "各代 HBM 的单堆栈（一个 HBM 器件）指标，取所引来源给出的最高值。",
        "generation": "代际",
        "year": "年份",
        "pin_rate": "每引脚（Gb/s）",
        "bus": "位宽（bit）",
        "height": "最高层数",
        "cap_stack": "每堆栈容量（GB）",
        "bw_stack": "每堆栈带宽（GB/s）",
        "hbm_legend": (
            "每堆栈带宽 = 引脚速率 × 位宽 ÷ 8。加速器的显存带宽等于它乘以堆栈数，"
            "而实际引脚速率通常低于该代的最高值。"
        ),
        "intra_caption": "节点内（scale-up）互连，按单个加速器计的带宽，单位 GB/s（字节）。厂商通常给出双向之和。",
        "link": "链路",
        "used_in": "典型平台",
        "per_dir": "单向（GB/s）",
        "bidir": "双向（GB/s）",
        "intra_legend": (
            "单向带宽才是环形 all-reduce 每一步能推送的量；与节点间表比较时，"
            "先把 Gb/s 换算成 GB/s（÷ 8）。"
        ),
        "inter_caption": "节点间（scale-out）网络，单位 Gb/s（比特）：单个端口速率，以及典型节点配置下每个加速器分到的带宽。",
        "fabric": "网络",
        "port": "端口（Gb/s）",
        "per_accel": "每加速器（Gb/s）",
        "node_design": "典型节点配置",
        "inter_legend": "除以 8 即为 GB/s：每 GPU 400 Gb/s 只有 50 GB/s，比节点内 NVLink 低一个数量级。",
        "plot_roofline_title": "BF16 稠密峰值与显存带宽（单 GPU/单芯片）",
        "plot_roofline_x": "显存带宽（TB/s，对数坐标）",
        "plot_roofline_y": "BF16 稠密 TFLOPS（对数坐标）",
        "plot_roofline_ridge": "{v} FLOPs/字节",
        "plot_roofline_alt": "各加速器 BF16 TFLOPS 与显存带宽的散点图",
        "plot_roofline_caption": (
            "每个点是上表中的一款加速器；虚线为等拐点线（每字节 FLOPs）。"
            "BF16 或带宽未知的型号未画出。"
        ),
        "plot_intra_title": "节点内互连：每加速器双向带宽",
        "plot_loss_alt": "九条小的 loss–步数曲线，画廊中每种模式一条",
        "plot_loss_caption": "各模式的合成 loss 曲线（data/loss-patterns.yaml），从第 150 步起；叉号标出 loss 变成 NaN 的那一步。"
                             "仅作示意，不是实测。",
        "plot_loss_x": "步数",
        "plot_loss_y": "loss",
        "plot_intra_x": "GB/s（双向）",
        "plot_intra_alt": "各代节点内互连带宽柱状图",
        "plot_intra_caption": "每个加速器的双向 GB/s，按链路类别分组、按年份排序；带宽未知的链路未画出。",
        "plot_inter_title": "节点间网络：每加速器带宽",
        "plot_inter_x": "每加速器 Gb/s",
        "plot_inter_alt": "各类节点间网络每加速器带宽柱状图",
        "plot_inter_caption": "各网络在典型节点配置下每个加速器的 Gb/s，按类别分组。",
        "announced_suffix": "（已发布）",
    },
}


def strings(lang: str) -> dict:
    return STRINGS["en" if lang == "en" else "zh"]


def plot_meta(name: str, lang: str) -> tuple[str, str]:
    """(alt text, caption) of plot NAME in LANG."""
    s = strings(lang)
    key = {"accelerator-roofline": "roofline", "intra-node-bandwidth": "intra",
           "inter-node-bandwidth": "inter", "loss-patterns": "loss"}[name]
    return s[f"plot_{key}_alt"], s[f"plot_{key}_caption"]
