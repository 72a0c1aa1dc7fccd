//! Phrasings written for this test, not taken from any corpus: a guard that
//! the rules generalize. Asks in many voices must be premature; other senses,
//! reports, procedures and asks after a stated decision must not be.

use clarity_bot::classify::{Classifier, Context};
use clarity_bot::domain::Kind;

const PREMATURE: &[&str] = &[
    "can we get aligned on the hiring plan before the offsite?",
    "We need to align on the pricing model for the EU launch, nothing's set yet",
    "lets get everyone on the same page about the Q4 OKRs",
    "Would be good to get buy-in from finance on the new tooling budget",
    "Can we reach consensus on the deprecation timeline?",
    "I'd like us to agree on the API naming conventions before more endpoints land",
    "Need alignment on the support rotation for the holidays",
    "Agree on release process",
    "Align on success metrics for onboarding",
    "Can the team align on which database we use for analytics? Postgres or ClickHouse?",
    "let's get on the same page re: the data retention policy. thoughts?",
    "we should all agree on how we version the SDK",
    "Setting up an alignment session on the reorg next week, please come with ideas",
    "Hey folks, can we make sure we're all aligned on the launch scope before Friday?",
    "need consensus on logging format asap",
    "Could design and eng get aligned on the empty state copy?",
    "I want us all on the same page about what \"done\" means for this milestone",
    "before we go any further, everyone needs to be aligned on the goals of the project",
    "we need to settle on a name for the new service",
    "Let's sync up on the migration approach tomorrow",
    "Is everyone aligned on moving the standup to 9:30?",
    "Let's build consensus around the new on-call policy before rolling anything out",
    "can we get the PMs and EMs aligned on the roadmap priorities? right now it's chaos",
    "Getting alignment on the cache invalidation strategy is the first step",
    "Team, I think we need to get on the same page regarding code review expectations",
    "Quick q: can y'all align on the naming for the new tiers by Thursday?",
    "Product and sales need to be aligned on the discount policy before Q4 — who can drive this?",
    "We don't have a decision on the vendor yet; can we get procurement, legal and eng aligned this week?",
    "Agenda: 1) intros 2) align on scope 3) next steps",
    "Seeking consensus on whether we deprecate the v1 API in 2025",
    "It would be great to get everyone's buy-in on the new OKR format",
    "Let's get consensus on the incident review template",
    "Can we hop on a call to agree on the data contract between the services?",
    "Goal for this week: get agreement on the migration plan from all three teams",
    "i need product + eng on the same page re the beta cutoff date, still undecided",
    "Proposing we get everyone in a room to hash out and align on the architecture for search",
    "We should discuss and agree on a deprecation policy for old APIs",
    "Before we implement anything, we need consensus on the plugin interface",
    "Opening this issue so the maintainers can align on a release cadence",
    "It would be good to get everyone on the same page about what counts as a breaking change",
    "Let's come to an agreement on the folder structure before more code lands",
    "Need to get buy-in from the security team on the auth redesign",
    "TODO: align with design on the onboarding copy",
    "Goal: reach consensus on the v3 roadmap",
    "Could we agree on a naming scheme for the new packages?",
    "We need to get on the same page regarding the support policy for LTS releases",
    "Should we set up a sync to align on the error handling approach?",
    "I'd suggest we all align on the logging conventions first",
    "Let's try to get alignment between eng and product on the beta scope",
    "How do we get everyone aligned on the hiring bar?",
    "Can we get a consensus on whether to support Node 16?",
    "folks, we really need to be on the same page about the migration timeline, I'm hearing 3 different dates",
    "pls agree on the schema before Friday so I can start the backend",
    "I think we need to agree on the scope before reviewing individual PRs",
    "Any chance we can get alignment on this before the release?",
    "Can we get the maintainers on the same page about backports?",
    "Let's get consensus on whether we drop Windows 7 support",
    "We need to decide and agree on a branching model",
    "Can both teams align on a common error format?",
    "Proposal: let's get everyone aligned on how we triage issues. Thoughts?",
    "can we align on the layout for the new pricing page?",
    "let's get design and eng aligned on the dashboard cards before sprint planning",
    "we need to agree on the icon set for the app",
    "The draft is done, can we get everyone aligned on the proposal?",
    "Once the design is complete, let's align on the rollout plan",
    "When the spike is finished we need to get aligned on the architecture",
    "If the RFC is accepted we should all agree on the migration order first",
];

const NOT_PREMATURE: &[&str] = &[
    "we're aligned, shipping it tomorrow",
    "glad we're all on the same page on this one",
    "the header text is misaligned on Firefox",
    "Please vote for the new logo with a reaction",
    "PTAL at the PR when you get a chance, need an approval to merge",
    "the struct must be 16-byte aligned for AVX loads",
    "BWA aligned 98% of reads to the reference",
    "Raft needs a quorum to reach consensus on a log entry",
    "The model is better aligned with human preferences after DPO",
    "Both login forms are on the same page so the CSS collides",
    "I agree with Sam on this",
    "Decision: we're going with Kafka for the event bus. Please make sure your teams are aligned on it.",
    "Now that we've picked Linear, can everyone get on the same page about how we use it?",
    "lunch at noon?",
    "I think the proposal looks good, thoughts welcome",
    "What did we agree on in the last meeting? I missed it",
    "We reached consensus in the arch review: gRPC for internal services",
    "please sign off on the design doc by Friday",
    "the car needs a wheel alignment",
    "Text alignment in the table cells is broken",
    "the results align with what we saw in the A/B test",
    "We spent two hours trying to align on the roadmap last time, lol",
    "Can you align the button with the input field?",
    "New hire onboarding checklist is in Notion",
    "I'm not on board with dropping Windows support",
    "Agreed, let's do it",
    "Sounds like everyone agrees, merging",
    "Thumbs up if you want pizza on Friday",
    "Please agree to the new contributor license agreement before your PR can be merged",
    "Make sure the columns align with the header row",
    "the calendar sync with Google is flaky again",
    "Decision: we're moving to weekly releases starting next month. Can the EMs make sure their teams are aligned on this?",
    "We picked Datadog last week. let's get everyone aligned on it",
    "Everyone seems to be on the same page, great meeting today",
    "the two images need to be aligned before stitching",
    "Fixed: icons now align to the baseline of the text",
    "Let's vote: 👍 for Tuesday, 🎉 for Thursday",
    "Requesting review: can someone approve this PR so we can merge the config change?",
    "I'd love your thoughts on the proposal in the doc",
    "Our goals are aligned with the company OKRs",
    "Can we get a consensus sequence for these samples?",
    "is the page-aligned allocator still in use?",
    "LGTM, approving",
    "can someone sync the staging DB with prod?",
    "They agreed to the terms in the contract",
    "This aligns with the proposal in #12, nice work",
    "We should align the API surface with the OpenAPI spec before 2.0",
    "Let's align our naming with upstream so the diff stays small",
    "I agree on the first point but not the second",
    "We're all in agreement here, merging",
    "There's no consensus yet, so let's keep the issue open",
    "+1, let's get this merged",
    "Closing since the maintainers agreed to drop Python 3.7 support",
    "the labels should be right aligned in the table view",
    "Please align the struct to 64 bytes to avoid false sharing",
    "Fixed alignment of the sidebar icons on Windows",
    "Use `#[repr(C, align(8))]` here",
    "The TSC voted to adopt the new governance model",
    "I'm happy to go with whatever the group decides",
    "can someone review and approve? this blocks the release",
    "We need to agree to the CLA before the PR can be merged",
    "bump: sync fork with upstream",
    "Any objections to merging this tomorrow?",
    "We need to make sure we are aligned with legal requirements for GDPR",
    "make sure the docs stay aligned with the code",
    "The new logo is aligned to the left of the header",
    "I think we're aligned on most things, just one nit below",
    "Consensus seems to be that we keep the old behavior",
    "we got buy-in from all three teams last week, thanks everyone",
    "Thanks for getting everyone aligned on this, great facilitation",
    "Our incentives are aligned with the customers'",
    "Both specs agree on the wire format",
    "the two clocks need to stay in sync",
    "Sorry I couldn't make the alignment meeting yesterday, will read the notes",
    "This PR aligns the behaviour with the docs",
    "Align error messages with the style guide",
    "Agree with @foo, let's ship it",
    "we should get consensus from the TSC before merging this",
    "IMO we don't need consensus for trivial changes",
    "The consensus is to go with option B, closing",
    "Let's discuss in the next meeting and reach a decision",
    "I'm aligned with Bob's proposal",
    "Getting buy-in is hard in big orgs, here's a good article about it",
    "Can someone help me align the two columns in this table?",
    "We've agreed on the API, now let's get everyone aligned on the rollout plan",
    "How do I get my fork back in sync with main?",
    "The consensus algorithm needs at least 3 nodes",
    "team alignment survey results are in, 78% positive",
    "the icons are misaligned in the header",
    "this fixed the alignment issue on the dashboard cards",
    "can you align the logo with the nav?",
    "the columns don't line up, can we get them aligned?",
    "Can we get the text aligned in the PDF export?",
];

const AFTER_A_DECISION: &[&str] = &[
    "Since the TSC approved the new release process, please make sure your teams are aligned on it.",
    "The migration to GitHub Actions is done. Let's get everyone on the same page about the new workflow.",
    "We've settled on trunk-based development; can we get everyone aligned on that before onboarding?",
    "As agreed in yesterday's meeting, we're dropping IE11. Please get your teams aligned.",
    "Leadership has made the call: no new hires in Q3. Need managers on the same page before the all-hands.",
    "The vote passed, Rust 2024 edition it is. Let's make sure all contributors are aligned.",
    "Now that the RFC is merged, we need buy-in from the downstream teams on the migration timeline.",
    "Final: we ship on the 14th. Let's get QA aligned on the test plan for that date.",
    "It's been decided that we use pnpm. Let's get everyone on the same page.",
    "Going with option A. Can we align the docs team on it?",
    "After much discussion we chose Postgres. Let's get the data team aligned on this choice.",
    "The board signed off on the budget. I need all leads aligned on headcount by Friday.",
];

#[test]
fn asks_on_open_topics_in_many_voices_are_premature() {
    let classifier = Classifier::builtin();
    let misses: Vec<&str> = PREMATURE
        .iter()
        .copied()
        .filter(|t| {
            let a = classifier.assess(t, &Context::default());
            !(a.premature && a.score >= 0.5)
        })
        .collect();
    assert!(misses.is_empty(), "not flagged: {misses:#?}");
}

#[test]
fn other_senses_reports_and_procedures_are_not_flagged() {
    let classifier = Classifier::builtin();
    let flagged: Vec<&str> = NOT_PREMATURE
        .iter()
        .copied()
        .filter(|t| classifier.assess(t, &Context::default()).premature)
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:#?}");
}

#[test]
fn asks_after_a_decision_stated_in_the_message_are_not_premature() {
    let classifier = Classifier::builtin();
    for text in AFTER_A_DECISION {
        let a = classifier.assess(text, &Context::default());
        assert_eq!(a.kind, Kind::AlignmentRequest, "{text}");
        assert!(!a.premature, "{text}");
    }
}
