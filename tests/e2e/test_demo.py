"""``python -m bot demo`` runs the real bot offline and prints the chat."""

from __future__ import annotations

from bot.demo import run_demo


async def test_the_demo_follows_a_person_to_recovery() -> None:
    lines: list[str] = []
    await run_demo(lines.append)
    transcript = "\n".join(lines)
    assert "👤 /start physio-demo" in transcript
    assert "🤖 You're all set." in transcript
    assert "🤖 ❗ Please contact a doctor today." in transcript
    assert "Pain 4: 2 points better than when you started." in transcript
    assert "Your pain has settled: time to start strengthening." in transcript
    assert "🎉 Your pain has been 0 or 1 three check-ins in a row." in transcript
    assert transcript.count("Check-in, day") == 13
    # The check-ins and the switch to heat come from the due queue, nobody asks for them.
    assert "👤 /checkin" not in transcript
    assert "── Wednesday 4 March, 10:00" in transcript
    assert "🤖 It's been 48 hours: time to switch from ice to heat." in transcript
