"""The content policy: blocked terms in prompts, captions and keywords, and consent for
character models; a refusal is a 422 with the policy's reason that stores and charges
nothing, and every decision is logged (in-memory ports)."""

import pytest
import structlog
from gateway_app import add_model, fake_gateway, new_account

from gateway.domain.moderation import Policy, check_prompt

POLICY = {"moderation_blocked_terms": "gore, real person"}


def upload(keyword: str, fields: dict | None = None, caption: str | None = None) -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    if caption:
        files.append(("images", ("0.jpg.txt", caption.encode(), "text/plain")))
    data = {"type": "character", "keyword": keyword} | (fields or {})
    return {"data": data, "files": files}


@pytest.mark.parametrize(
    "prompt",
    [
        "a zxq covered in GORE",
        "a zxq, \uff47\uff4f\uff52\uff45 everywhere",  # full-width letters
        "a zxq with go\u200bre",
        "Real  Person zxq",
    ],
)
def test_blocked_terms_are_found_however_they_are_written(prompt):
    policy = Policy(blocked_terms=("gore", "real person"))
    assert not check_prompt(policy, prompt, None).allowed


def test_a_term_blocks_whole_words_only():
    policy = Policy(blocked_terms=("gore",))
    assert check_prompt(policy, "a zxq near Gorey beach", "no goretex").allowed
    assert not check_prompt(policy, "a zxq", "gore").allowed  # the negative prompt counts


async def test_a_refused_prompt_is_a_422_that_saves_and_charges_nothing():
    async with fake_gateway(**POLICY) as (http, ports, _):
        account_id, me = await new_account(http)
        await add_model(ports, account_id)
        with structlog.testing.capture_logs() as logs:
            refused = await http.post(
                "/v1/generations",
                json={"model_id": "mdl-1", "prompt": "a zxq, gore"},
                headers=me | {"X-Correlation-ID": "corr-mod-1"},
            )
        assert refused.status_code == 422
        assert "content policy (blocked_term)" in refused.json()["detail"]
        assert "gore" not in refused.json()["detail"]  # the reason, not the matched word
        assert ports.publisher.events == [] and await ports.generations.list(account_id, 10) == []
        [decision] = [entry for entry in logs if entry["event"] == "moderation.decision"]
        assert decision["allowed"] is False and decision["rule"] == "blocked_term"
        allowed = await http.post(
            "/v1/generations", json={"model_id": "mdl-1", "prompt": "a zxq"}, headers=me
        )
        assert allowed.status_code == 202, allowed.text


async def test_a_keyword_or_caption_with_a_blocked_term_refuses_the_training():
    async with fake_gateway(**POLICY) as (http, ports, _):
        _, me = await new_account(http)
        by_caption = await http.post(
            "/v1/trainings", headers=me, **upload("zxqone", caption="a real person, smiling")
        )
        assert by_caption.status_code == 422
        assert "content policy" in by_caption.json()["detail"]
        assert ports.uploads.objects == {}  # nothing stored, the keyword not taken
        fine = await http.post("/v1/trainings", headers=me, **upload("zxqone"))
        assert fine.status_code == 202, fine.text


async def test_character_models_need_consent_when_the_policy_says_so():
    async with fake_gateway(moderation_character_consent=True) as (http, ports, _):
        _, me = await new_account(http)
        options = await http.get("/v1/training-options", headers=me)
        assert options.json()["consent_required"] is True
        refused = await http.post("/v1/trainings", headers=me, **upload("zxqone"))
        assert refused.status_code == 422
        assert "consent=true" in refused.json()["detail"]
        assert ports.uploads.objects == {}
        given = await http.post(
            "/v1/trainings", headers=me, **upload("zxqone", {"consent": "true"})
        )
        assert given.status_code == 202, given.text
        style = await http.post("/v1/trainings", headers=me, **upload("zxqtwo", {"type": "style"}))
        assert style.status_code == 202, style.text  # only a person's likeness needs it
