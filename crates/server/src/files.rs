//! The data directory's permissions: only the user waflow runs as may read what it holds.
//!
//! **Invariant:** after [`prepare_data_dir`], whatever the umask, the data directory is 0700; the
//! database, its `-wal`, `-shm` and `-journal` files and `master.key` are 0600 (the database is
//! created 0600 before SQLite opens it, and SQLite gives its WAL and SHM files the database's
//! mode); and nothing below the directory — linked-device sessions, media, knowledge files — is
//! open to group or others. Looser modes found at start are tightened, and logged.

use std::path::{Path, PathBuf};

/// Why the data directory could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The directory could not be created (or is not a directory).
    #[error("cannot create data directory {path}: {reason}")]
    Create { path: PathBuf, reason: String },
    /// A file's permissions could not be read or set.
    #[error("cannot make {path} private to waflow's user: {reason}")]
    Permissions { path: PathBuf, reason: String },
}

/// The files directly in the data directory that hold secrets or data: mode 0600.
const PRIVATE_FILES: [&str; 5] = [
    "waflow.db",
    "waflow.db-wal",
    "waflow.db-shm",
    "waflow.db-journal",
    "master.key",
];

/// Creates `dir` (mode 0700) if missing, creates an empty database file (mode 0600) if missing,
/// and tightens whatever in `dir` is open to group or others.
pub fn prepare_data_dir(dir: &Path) -> Result<(), FilesError> {
    let create = |e: std::io::Error| FilesError::Create {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(create)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
        Err(e) => return Err(create(e)),
    }
    #[cfg(unix)]
    unix::tighten(dir)?;
    Ok(())
}

#[cfg(unix)]
mod unix {
    use super::{FilesError, PRIVATE_FILES};
    use std::fs::{self, OpenOptions, Permissions};
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    fn fail(path: &Path) -> impl Fn(std::io::Error) -> FilesError + '_ {
        move |e| FilesError::Permissions {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    /// Sets `path`'s mode to `mode` if it differs; whether it was open to group or others.
    fn set(path: &Path, mode: u32) -> Result<bool, FilesError> {
        let was = fs::symlink_metadata(path)
            .map_err(fail(path))?
            .permissions()
            .mode()
            & 0o777;
        if was != mode {
            fs::set_permissions(path, Permissions::from_mode(mode)).map_err(fail(path))?;
        }
        Ok(was & 0o077 != 0)
    }

    pub(super) fn tighten(dir: &Path) -> Result<(), FilesError> {
        let mut loose = Vec::new();
        if set(dir, 0o700)? {
            loose.push(dir.to_path_buf());
        }
        let db = crate::database_path(dir);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&db)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fail(&db)(e)),
        }
        for name in PRIVATE_FILES {
            let path = dir.join(name);
            if path.exists() && set(&path, 0o600)? {
                loose.push(path);
            }
        }
        below(dir, &mut loose)?;
        if !loose.is_empty() {
            tracing::warn!(
                count = loose.len(),
                first = %loose[0].display(),
                "permissions tightened in the data directory: group or others had access"
            );
        }
        Ok(())
    }

    /// Takes group and others' bits off everything below `dir` (symbolic links are left alone).
    fn below(dir: &Path, loose: &mut Vec<std::path::PathBuf>) -> Result<(), FilesError> {
        for entry in fs::read_dir(dir).map_err(fail(dir))? {
            let entry = entry.map_err(fail(dir))?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).map_err(fail(&path))?;
            if meta.file_type().is_symlink() {
                continue;
            }
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                fs::set_permissions(&path, Permissions::from_mode(mode & 0o700))
                    .map_err(fail(&path))?;
                loose.push(path.clone());
            }
            if meta.is_dir() {
                below(&path, loose)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_new_data_directory_is_private_and_looser_modes_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("data");
        prepare_data_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("waflow.db")), 0o600);

        chmod(&dir, 0o755);
        chmod(&dir.join("waflow.db"), 0o644);
        std::fs::write(dir.join("master.key"), "k").unwrap();
        chmod(&dir.join("master.key"), 0o640);
        let media = dir.join("media").join("ws_1");
        std::fs::create_dir_all(&media).unwrap();
        chmod(&media, 0o755);
        std::fs::write(media.join("photo.jpg"), "jpg").unwrap();
        chmod(&media.join("photo.jpg"), 0o744);
        prepare_data_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("waflow.db")), 0o600);
        assert_eq!(mode(&dir.join("master.key")), 0o600);
        assert_eq!(mode(&media), 0o700);
        assert_eq!(mode(&media.join("photo.jpg")), 0o700);
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_refused_naming_it() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = prepare_data_dir(file.path()).unwrap_err().to_string();
        assert!(err.starts_with("cannot create data directory"), "{err}");
    }
}
