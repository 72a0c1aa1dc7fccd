//! The load benchmark counts replies: every alignment phrasing it generates
//! must be a confident premature ask, and none of its ordinary chat may be.
//! Templates and topics copied from `../shared/bench/loadgen/src/gen.rs`.

use clarity_bot::classify::{Classifier, Context};
use clarity_bot::domain::Kind;

const TOPICS: &[&str] = &[
    "the Q3 roadmap",
    "the pricing tiers",
    "the onboarding redesign",
    "the API versioning strategy",
    "the data retention policy",
    "the on-call rotation",
    "the warehouse migration",
    "the error states for checkout",
    "the mobile release cadence",
    "the caching layer",
    "the new nav",
    "success metrics for search",
    "the annual discount",
    "the component library",
    "the reporting revamp",
    "our ICP",
    "the launch date for v2",
    "the hiring plan for H2",
    "the SSO rollout",
    "the support SLA",
];

const ALIGN_TEMPLATES: &[&str] = &[
    "let's get aligned on {} before anyone starts building",
    "can we align on {}? nothing's decided yet",
    "we should all be on the same page re: {} — thoughts?",
    "quick sync to get aligned on {}? nothing is decided, just want everyone in the room",
    "Let’s get aligned on {} this week :pray:",
    "I want product, eng and design aligned on {} before we commit to anything",
    "can u guys align on {}, i need it by tmrw",
    "Proposing an alignment session on {} — too many opinions floating around",
    "lets all get on the same page on {}. meeting thurs?",
    "Before we go further, can we get everyone aligned on {}? Still lots of open questions",
];

const SERVICES: &[&str] = &[
    "payments-worker",
    "search-api",
    "web-frontend",
    "billing",
    "ingest",
    "auth-service",
];

const CHAT_TEMPLATES: &[&str] = &[
    "deploy of {s} to staging is green :white_check_mark:",
    "anyone else seeing flaky tests in {s}?",
    "PR #{n} is up for review when someone has a minute",
    "lunch at 12:30? the taco place on 5th",
    "who has the link to the doc about {t}?",
    "heads up: I'm out tomorrow afternoon, ping me on mobile if urgent",
    "the dashboard for {s} is loading slowly again",
    "thanks for the quick fix on {s} :raised_hands:",
    "reminder: retro at 3pm in the big room",
    "can someone restart the {s} runner? it's stuck on step 4",
    "p99 latency on {s} is back to normal after the restart",
    "I'll pair with Sam on {t} after standup",
    "new hire starts Monday, please say hi in #general :wave:",
    "the build for {s} takes 14 minutes now, that's up from 9",
    "does anyone know why the {s} alerts fire at 2am?",
];

#[test]
fn every_generated_alignment_ask_is_a_confident_premature_ask() {
    let classifier = Classifier::builtin();
    for template in ALIGN_TEMPLATES {
        for topic in TOPICS {
            let text = template.replace("{}", topic);
            let a = classifier.assess(&text, &Context::default());
            assert_eq!(a.kind, Kind::AlignmentRequest, "{text}");
            assert!(a.premature, "{text}");
            assert!(a.score >= 0.5, "{text}: score {}", a.score);
            assert!(a.topic.is_some(), "{text}: no topic");
        }
    }
}

#[test]
fn no_generated_chat_line_is_flagged() {
    let classifier = Classifier::builtin();
    for template in CHAT_TEMPLATES {
        for topic in TOPICS {
            for service in SERVICES {
                let text = template
                    .replace("{t}", topic)
                    .replace("{s}", service)
                    .replace("{n}", "4821");
                let a = classifier.assess(&text, &Context::default());
                assert!(!a.premature, "{text}");
                assert_ne!(a.kind, Kind::AlignmentRequest, "{text}");
            }
        }
    }
}
