"""``python -m bot demo`` runs the real bot offline and prints the chat."""

from __future__ import annotations

from pathlib import Path

from bot.runtime.demo import run_demo


async def test_the_demo_follows_a_person_to_recovery(tmp_path: Path) -> None:
    lines: list[str] = []
    await run_demo(lines.append, tmp_path)
    transcript = "\n".join(lines)
    assert "👤 /start physio-demo" in transcript
    assert "🤖 You're all set." in transcript
    # Day 4: an emergency holds the check-in (ES-HOLD); three hours on, "did you get help?"
    # (ES-FOLLOW-UP): seen by someone, and the check-in carries on where it stopped.
    held = transcript.index("🤖 🚨 This needs emergency care now.")
    asked = transcript.index("Did you get help?", held)
    answered = transcript.index("👤 (taps) Yes, I've been seen", asked)
    assert transcript.index("👤 (taps) That's all", answered) > answered
    assert "Thanks, that's saved." not in transcript[held:asked]
    assert "Pain 4: 2 points better than when you started." in transcript
    assert "Your pain has settled: time to start strengthening." in transcript
    assert "🎉 Your pain has been 0 or 1 three check-ins in a row." in transcript
    assert transcript.count("Check-in, day") == 13
    # The check-ins and the switch to heat come from the due queue, nobody asks for them.
    assert "👤 /checkin" not in transcript
    assert "── Wednesday 4 March, 10:00" in transcript
    assert "🤖 It's been 48 hours: time to switch from ice to heat." in transcript
    # After recovery: the chart and the doctor's summary, kept where the transcript says.
    chart, summary = (
        tmp_path / "backcheck-pain-chart.png",
        tmp_path / "backcheck-summary-2026-03-15.pdf",
    )
    assert "🤖 📎 photo backcheck-pain-chart.png" in transcript
    assert f"kept as {chart}" in transcript
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert summary.read_bytes().startswith(b"%PDF-")
    assert "It is not a diagnosis" in transcript
