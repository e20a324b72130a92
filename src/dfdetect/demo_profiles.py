"""The demo's two profiles: the settings of every stage of ``dfdetect demo``."""

# "full" is ``make demo``; "quick" runs every stage with debug-sized models in about a
# minute on the tiny corpus (the end-to-end test uses it)
PROFILES = {
    "full": {
        "audio": {"size": "small", "epochs": 20, "patience": 6, "batch_size": 16},
        "preprocess": {"frames": 8, "size": 128},
        # EfficientNet-B2 from scratch (no ImageNet file offline) at 128 px: measured val AUC
        # 0.92 after 6 epochs of 300 draws on the demo FF++ (about 100 s on 2 cores)
        "spatial": {"model": "efficientnet_b2", "image_size": 128, "epochs": 8,
                    "samples_per_epoch": 300, "lr": 1e-3, "batch_size": 16, "patience": 4},
        "temporal": {"hidden": 128, "epochs": 60, "patience": 12},
        "contrastive": {"triplet_weight": 1.0, "margin": 0.3, "mining": "semi_hard"},
        "sync": {},
        "fusion": {"epochs": 80, "patience": 15},
    },
    "quick": {
        "audio": {"size": "debug", "epochs": 3, "patience": 3, "batch_size": 8},
        "preprocess": {"frames": 6, "size": 96},
        "spatial": {"model": "spatial_debug", "pretrained": "none", "image_size": 64,
                    "epochs": 3, "samples_per_epoch": 96, "lr": 2e-3, "batch_size": 16,
                    "patience": 3, "num_workers": 0},
        "temporal": {"hidden": 32, "epochs": 5, "patience": 5},
        "contrastive": {"triplet_weight": 1.0, "margin": 0.3, "mining": "semi_hard",
                        "epochs": 3},
        "sync": {"dim": 16, "epochs": 6},
        "fusion": {"epochs": 10, "patience": 10, "hidden": 16},
    },
}
