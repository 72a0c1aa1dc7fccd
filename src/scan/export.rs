//! Reading a Slack export, zip or unpacked folder: the conversation lists
//! (`channels.json`, `groups.json`, `mpims.json`, `dms.json`), the members
//! (`users.json`, or `org_users.json` in an Enterprise Grid export) and the
//! per-conversation, per-day message files. First stop of `scan`'s flow:
//! export → [`super::replay`] → [`super::report`] → renderers.
//!
//! Only listings are read up front; day files are read one at a time, when
//! their conversation is replayed, so memory does not grow with the export.

use jiff::civil::Date;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the export as a whole could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: no such file or directory")]
    Missing { path: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: not a readable zip archive ({source})")]
    CorruptZip {
        path: String,
        source: zip::result::ZipError,
    },
    #[error(
        "{path}: not a Slack export (no channels.json, groups.json, mpims.json or dms.json, and no folder of day files)"
    )]
    NotAnExport { path: String },
}

/// A problem with one file of the export; the scan reports it and carries on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The file, relative to the export's root.
    pub file: String,
    pub message: String,
}

/// Who may read a conversation, from the listing it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// `channels.json`.
    Public,
    /// `groups.json`.
    Private,
    /// `mpims.json`: a group direct message.
    GroupDm,
    /// `dms.json`: a direct message.
    Dm,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::GroupDm => "group_dm",
            Visibility::Dm => "dm",
        }
    }

    /// The bot answers direct messages only through `/clarity check`.
    pub fn is_direct(self) -> bool {
        matches!(self, Visibility::GroupDm | Visibility::Dm)
    }
}

/// One conversation of the export and its day files, oldest first.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    /// The channel name, or the conversation id for a direct message.
    pub name: String,
    pub visibility: Visibility,
    /// (day, path of the day file relative to the export's root).
    pub days: Vec<(Date, String)>,
    /// Member ids, as listed (used to name direct messages).
    pub members: Vec<String>,
}

/// What a conversation listing entry holds that `scan` uses.
#[derive(Debug, Deserialize)]
struct ListedConversation {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    members: Vec<String>,
}

/// A member from `users.json`.
#[derive(Debug, Deserialize)]
struct ListedUser {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    profile: Option<ListedProfile>,
}

#[derive(Debug, Default, Deserialize)]
struct ListedProfile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
}

/// A member's display name and whether it is a bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub display_name: String,
    pub is_bot: bool,
}

/// One message as exported. Everything is optional: exports from different
/// years and plans differ, and a missing field must not lose the file.
#[derive(Debug, Deserialize)]
pub struct RawMessage<'a> {
    #[serde(default, borrow, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub subtype: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub ts: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub thread_ts: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub user: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub bot_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub text: Option<Cow<'a, str>>,
    /// Set on a thread's root (with `replies` in older exports).
    #[serde(default)]
    pub reply_count: Option<u64>,
    #[serde(default)]
    pub replies: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default, borrow)]
    pub user_profile: Option<RawProfile<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct RawProfile<'a> {
    #[serde(default, borrow)]
    pub display_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub real_name: Option<Cow<'a, str>>,
}

/// A file handle that many threads can read at once without sharing a
/// cursor: each clone keeps its own position and reads with `pread`.
#[derive(Debug, Clone)]
struct SharedFile {
    file: Arc<File>,
    len: u64,
    pos: u64,
}

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(n) => {
                self.pos = n;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )),
        }
    }
}

#[derive(Debug, Clone)]
enum Storage {
    Folder(PathBuf),
    /// The archive (its central directory is shared between clones) and the
    /// folder inside it that holds the export, `""` or `"name/"`.
    Zip {
        archive: zip::ZipArchive<SharedFile>,
        prefix: String,
    },
}

/// An opened export. Cheap to clone: one clone per worker thread.
#[derive(Debug, Clone)]
pub struct Export {
    storage: Storage,
    /// Each folder's files (zip only; a folder's files are listed on demand).
    zip_folders: Arc<BTreeMap<String, Vec<String>>>,
}

/// The largest file read: a day of Slack is kilobytes to a few megabytes,
/// and `users.json` of a very large organisation some hundreds.
const MAX_FILE_BYTES: u64 = 1 << 30;

const LISTINGS: [(&str, Visibility); 4] = [
    ("channels.json", Visibility::Public),
    ("groups.json", Visibility::Private),
    ("mpims.json", Visibility::GroupDm),
    ("dms.json", Visibility::Dm),
];

impl Export {
    /// Opens a zip file or a folder. Fails only when nothing can be read.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let shown = path.display().to_string();
        let metadata = std::fs::metadata(path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                OpenError::Missing {
                    path: shown.clone(),
                }
            } else {
                OpenError::Io {
                    path: shown.clone(),
                    source,
                }
            }
        })?;
        if metadata.is_dir() {
            return Ok(Self {
                storage: Storage::Folder(path.to_path_buf()),
                zip_folders: Arc::default(),
            });
        }
        let file = File::open(path).map_err(|source| OpenError::Io {
            path: shown.clone(),
            source,
        })?;
        let reader = SharedFile {
            file: Arc::new(file),
            len: metadata.len(),
            pos: 0,
        };
        let archive = zip::ZipArchive::new(reader).map_err(|source| OpenError::CorruptZip {
            path: shown.clone(),
            source,
        })?;
        let prefix = zip_prefix(archive.file_names());
        let mut folders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for name in archive.file_names() {
            let Some(inside) = name.strip_prefix(prefix.as_str()) else {
                continue;
            };
            if let Some((folder, file)) = inside.rsplit_once('/')
                && !file.is_empty()
            {
                folders
                    .entry(folder.to_owned())
                    .or_default()
                    .push(file.to_owned());
            }
        }
        Ok(Self {
            storage: Storage::Zip { archive, prefix },
            zip_folders: Arc::new(folders),
        })
    }

    /// Reads one file by its path relative to the export's root; `Ok(None)`
    /// when it is not there.
    pub fn read(&mut self, relative: &str) -> Result<Option<Vec<u8>>, String> {
        let too_big = || format!("larger than {} MiB", MAX_FILE_BYTES >> 20);
        let mut bytes = Vec::new();
        match &mut self.storage {
            Storage::Folder(root) => {
                let file = match File::open(root.join(relative)) {
                    Ok(file) => file,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e.to_string()),
                };
                let size = file.metadata().map_or(0, |m| m.len()).min(MAX_FILE_BYTES);
                bytes.reserve(usize::try_from(size).unwrap_or(0));
                file.take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| e.to_string())?;
            }
            Storage::Zip { archive, prefix } => {
                let name = format!("{prefix}{relative}");
                let entry = match archive.by_name(&name) {
                    Ok(entry) => entry,
                    Err(zip::result::ZipError::FileNotFound) => return Ok(None),
                    Err(e) => return Err(e.to_string()),
                };
                if entry.size() > MAX_FILE_BYTES {
                    return Err(too_big());
                }
                bytes.reserve(usize::try_from(entry.size()).unwrap_or(0));
                // The declared size may lie (a zip bomb): read no further.
                entry
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("cannot decompress: {e}"))?;
            }
        }
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big());
        }
        Ok(Some(bytes))
    }

    /// The `*.json` files of one folder of the export, by file name.
    fn folder_files(&self, folder: &str) -> Vec<String> {
        match &self.storage {
            Storage::Folder(root) => std::fs::read_dir(root.join(folder))
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                        .filter_map(|e| e.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default(),
            Storage::Zip { .. } => self.zip_folders.get(folder).cloned().unwrap_or_default(),
        }
    }

    /// Folders directly under the root, for exports missing their listings.
    fn top_folders(&self) -> Vec<String> {
        match &self.storage {
            Storage::Folder(root) => std::fs::read_dir(root)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                        .filter_map(|e| e.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default(),
            Storage::Zip { .. } => self
                .zip_folders
                .keys()
                .filter(|k| !k.contains('/'))
                .cloned()
                .collect(),
        }
    }

    /// The export's conversations with their day files (public channels,
    /// private ones, then direct messages, each by name), and
    /// the problems met while listing them.
    pub fn conversations(&mut self) -> Result<(Vec<Conversation>, Vec<Problem>), OpenError> {
        let mut problems = Vec::new();
        let mut listed: Vec<(ListedConversation, Visibility)> = Vec::new();
        // Whether some listing could be read; if none, the folders are the list.
        let mut any_listing = false;
        for (file, visibility) in LISTINGS {
            match self.read(file) {
                Ok(None) => {}
                Ok(Some(bytes)) => {
                    match serde_json::from_slice::<Vec<ListedConversation>>(&bytes) {
                        Ok(entries) => {
                            any_listing = true;
                            listed.extend(entries.into_iter().map(|entry| (entry, visibility)))
                        }
                        Err(e) => problems.push(Problem {
                            file: file.to_owned(),
                            message: format!("not a list of conversations: {e}"),
                        }),
                    }
                }
                Err(e) => problems.push(Problem {
                    file: file.to_owned(),
                    message: e,
                }),
            }
        }

        let mut conversations = Vec::new();
        if any_listing {
            for (entry, visibility) in listed {
                if entry.id.is_empty() && entry.name.as_deref().is_none_or(str::is_empty) {
                    problems.push(Problem {
                        file: listing_file(visibility).into(),
                        message: "a conversation has neither id nor name; skipped".into(),
                    });
                    continue;
                }
                let name = entry
                    .name
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| entry.id.clone());
                // Names become folder paths: none may leave the export.
                let unsafe_path = |p: &str| p.contains(['/', '\\']) || p.starts_with('.');
                if unsafe_path(&name) || unsafe_path(&entry.id) {
                    problems.push(Problem {
                        file: listing_file(visibility).into(),
                        message: format!("conversation {name:?} has a name or id that is not a folder name; skipped"),
                    });
                    continue;
                }
                // Channels live in a folder named after them, direct messages
                // in one named after their id.
                let mut folder = name.clone();
                let mut files = self.folder_files(&folder);
                if files.is_empty() && !entry.id.is_empty() && entry.id != name {
                    folder = entry.id.clone();
                    files = self.folder_files(&folder);
                }
                let days = day_files(&folder, files, &mut problems);
                conversations.push(Conversation {
                    id: entry.id,
                    name,
                    visibility,
                    days,
                    members: entry.members,
                });
            }
        } else {
            for folder in self.top_folders() {
                let days = day_files(&folder, self.folder_files(&folder), &mut problems);
                if !days.is_empty() {
                    conversations.push(Conversation {
                        id: folder.clone(),
                        name: folder,
                        visibility: Visibility::Public,
                        days,
                        members: Vec::new(),
                    });
                }
            }
            if conversations.is_empty() {
                return Err(OpenError::NotAnExport {
                    path: self.shown_root(),
                });
            }
            problems.push(Problem {
                file: "channels.json".into(),
                message: format!(
                    "no readable conversation list; scanned the {} folders of day files as public channels",
                    conversations.len()
                ),
            });
        }
        conversations
            .sort_by(|a, b| (a.visibility, &a.name, &a.id).cmp(&(b.visibility, &b.name, &b.id)));
        Ok((conversations, problems))
    }

    /// Members by id, from `users.json` or `org_users.json`.
    pub fn members(&mut self) -> (HashMap<String, Member>, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut members = HashMap::new();
        let mut found = false;
        for file in ["users.json", "org_users.json"] {
            let bytes = match self.read(file) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(e) => {
                    problems.push(Problem {
                        file: file.into(),
                        message: e,
                    });
                    continue;
                }
            };
            found = true;
            match serde_json::from_slice::<Vec<ListedUser>>(&bytes) {
                Ok(users) => {
                    for user in users {
                        let profile = user.profile.unwrap_or_default();
                        let display_name = [
                            profile.display_name,
                            profile.real_name,
                            user.real_name,
                            user.name,
                        ]
                        .into_iter()
                        .flatten()
                        .find(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| user.id.clone());
                        members.insert(
                            user.id,
                            Member {
                                display_name,
                                is_bot: user.is_bot,
                            },
                        );
                    }
                }
                Err(e) => problems.push(Problem {
                    file: file.into(),
                    message: format!("not a list of users: {e}"),
                }),
            }
        }
        if !found {
            problems.push(Problem {
                file: "users.json".into(),
                message: "missing; authors are shown by the name in each message, or their user id"
                    .into(),
            });
        }
        (members, problems)
    }

    fn shown_root(&self) -> String {
        match &self.storage {
            Storage::Folder(root) => root.display().to_string(),
            Storage::Zip { prefix, .. } => format!("zip:{prefix}"),
        }
    }
}

/// The listing a conversation of this visibility comes from.
fn listing_file(visibility: Visibility) -> &'static str {
    LISTINGS
        .iter()
        .find(|(_, v)| *v == visibility)
        .map_or("channels.json", |(file, _)| file)
}

/// The folder inside a zip that holds the export: where its shallowest
/// listing file is (exports zipped as a folder have one level more).
fn zip_prefix<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .filter_map(|name| {
            let (folder, file) = match name.rsplit_once('/') {
                Some((folder, file)) => (format!("{folder}/"), file),
                None => (String::new(), name),
            };
            let is_listing = LISTINGS.iter().any(|(l, _)| *l == file)
                || file == "users.json"
                || file == "org_users.json";
            is_listing.then_some(folder)
        })
        .min_by_key(|folder| (folder.matches('/').count(), folder.clone()))
        .unwrap_or_default()
}

/// The day files among a folder's files, oldest first; other `.json` files
/// are reported.
fn day_files(folder: &str, files: Vec<String>, problems: &mut Vec<Problem>) -> Vec<(Date, String)> {
    let mut days: Vec<(Date, String)> = files
        .into_iter()
        .filter_map(|file| {
            let stem = file.strip_suffix(".json")?;
            match stem.parse::<Date>() {
                Ok(date) => Some((date, format!("{folder}/{file}"))),
                Err(_) => {
                    problems.push(Problem {
                        file: format!("{folder}/{file}"),
                        message: "not named like a day file (YYYY-MM-DD.json); skipped".into(),
                    });
                    None
                }
            }
        })
        .collect();
    days.sort();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_prefix_is_the_folder_of_the_shallowest_listing() {
        let names = [
            "export/general/2026-01-05.json",
            "export/channels.json",
            "export/users.json",
        ];
        assert_eq!(zip_prefix(names.into_iter()), "export/");
        assert_eq!(zip_prefix(["channels.json", "a/b.json"].into_iter()), "");
    }

    #[test]
    fn day_files_are_sorted_and_strays_are_reported() {
        let mut problems = Vec::new();
        let days = day_files(
            "general",
            vec![
                "2026-01-06.json".into(),
                "2026-01-05.json".into(),
                "notes.json".into(),
                "readme.txt".into(),
            ],
            &mut problems,
        );
        let paths: Vec<&str> = days.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["general/2026-01-05.json", "general/2026-01-06.json"]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "general/notes.json");
    }

    #[test]
    fn a_shared_file_reads_from_its_own_position() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello world").expect("write");
        let file = SharedFile {
            file: Arc::new(File::open(&path).expect("open")),
            len: 11,
            pos: 0,
        };
        let mut a = file.clone();
        let mut b = file;
        b.seek(SeekFrom::End(-5)).expect("seek");
        let mut out = String::new();
        b.read_to_string(&mut out).expect("read");
        assert_eq!(out, "world");
        let mut first = [0u8; 5];
        a.read_exact(&mut first).expect("read");
        assert_eq!(&first, b"hello");
        assert!(a.seek(SeekFrom::Current(-10)).is_err());
    }
}
