"""Plain-language reasons for a scan's verdict, built from its own numbers."""

from __future__ import annotations


def _strength(score: float, threshold: float) -> str:
    # how far past the threshold, as a share of the room on that side of it
    room = (1 - threshold) if score >= threshold else threshold
    share = abs(score - threshold) / max(room, 1e-6)
    return "clearly" if share > 0.6 else "likely" if share > 0.25 else "borderline"


def explain(result) -> list[str]:
    """Sentences a person can check against the pictures: the verdict, each modality's
    evidence and where in the file it is strongest.

    Example:
        >>> from dfdetect.inference.scan import ScanResult
        >>> r = ScanResult("a.wav", "audio", 0.9, "fake", 0.5,
        ...                {"audio": {"score": 0.9, "threshold": 0.5, "verdict": "fake"}},
        ...                audio_segments=[{"start": 0.0, "end": 4.0, "score": 0.9}])
        >>> explain(r)[0]
        'Verdict: FAKE (clearly) — fake probability 0.90 against a threshold of 0.50.'
    """
    provenance = getattr(result, "provenance", None) or {}
    if getattr(result, "basis", "detectors") == "provenance":
        detectors = ("the detectors had nothing to judge" if result.score is None else
                     f"the detectors' own fake probability {result.score:.2f}, threshold "
                     f"{result.threshold:.2f}")
        lines = [f"Verdict: AI-GENERATED (declared by {provenance['declared_by']}); {detectors}."]
    elif result.score is None:
        lines = ["Verdict: INCONCLUSIVE — the detectors had nothing to judge."]
    elif result.verdict == "inconclusive":
        lines = [f"Verdict: INCONCLUSIVE — the evidence is too weak to judge (fake probability "
                 f"{result.score:.2f}, threshold {result.threshold:.2f}, not to be trusted)."]
    else:
        lines = [f"Verdict: {result.verdict.upper()} "
                 f"({_strength(result.score, result.threshold)}) — fake probability "
                 f"{result.score:.2f} against a threshold of {result.threshold:.2f}."]
    lines += [f"Provenance: {finding}" for finding in provenance.get("findings", [])]
    lines += [f"Not judged: {reason}." for reason in getattr(result, "warnings", [])]
    faces = [f for f in result.frames if f["score"] is not None]
    from dfdetect.inference.plugins import all_branches

    titles = {"image": "Face", **{b.name: b.title for b in all_branches() if b.title}}
    for name, info in result.modalities.items():
        word = titles.get(name, name.capitalize())
        line = f"{word}: {info['verdict']} ({info['score']:.2f}, threshold {info['threshold']:.2f})"
        if name in ("video", "image") and faces:
            worst = max(faces, key=lambda f: f["score"])
            where = f" at {worst['seconds']:.1f} s" if name == "video" else ""
            line += (f"; a face in {len(faces)} of {len(result.frames)} sampled frames, the most "
                     f"suspicious{where} scores {worst['score']:.2f} on its own")
        if name == "audio" and result.audio_segments:
            worst = max(result.audio_segments, key=lambda s: s["score"])
            line += (f"; of {len(result.audio_segments)} segment(s) the most suspicious, "
                     f"{worst['start']:.1f}–{worst['end']:.1f} s, scores {worst['score']:.2f} "
                     "by the audio model alone")
        if info.get("reasons"):  # a branch's own account of its score
            line += "; " + "; ".join(info["reasons"])
        lines.append(line + ".")
    face_verdicts = [result.modalities[name]["verdict"] for name in ("video", "image")
                     if name in result.modalities]
    if face_verdicts and "inconclusive" not in face_verdicts:
        from dfdetect.inference.evidence import small_face_caution

        caution = small_face_caution(result.frames)
        lines += [f"Caution: {caution}."] if caution else []
    if result.kind == "video" and "video" not in result.modalities:
        lines.append("No face was found in the sampled frames: the verdict rests on the voice.")
    if result.kind == "video" and "audio" not in result.modalities:
        lines.append("The video has no usable audio track: the verdict rests on the face.")
    if result.categories:
        best = max(result.categories, key=result.categories.get)
        lines.append(f"Most likely combination: {best} ({result.categories[best]:.2f}).")
    return lines
