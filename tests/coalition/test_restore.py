"""Restoring media brings each folder to the backup's state exactly."""

import tarfile

from coalition.management.commands.restore import restore_folder


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_files_made_after_the_backup_are_removed_and_the_backup_is_back(tmp_path):
    media = tmp_path / "private_media"
    write(media / "originals/1/kept.jpg", "kept")
    write(media / "originals/1/changed.jpg", "before")
    write(media / ".hidden", "dot file")
    archive = tmp_path / "private_media.tar.gz"
    with tarfile.open(archive, "w:gz") as backup:
        backup.add(media, arcname=".")

    # After the backup: a new story's private original, a changed file, a removed one.
    write(media / "originals/2/after-the-backup.jpg", "new")
    write(media / "originals/1/changed.jpg", "after")
    (media / "originals/1/kept.jpg").unlink()

    removed = restore_folder(archive, media)

    assert removed == 1
    files = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    assert files == [".hidden", "originals/1/changed.jpg", "originals/1/kept.jpg"]
    assert (media / "originals/1/changed.jpg").read_text() == "before"
    assert not (media / "originals/2").exists()
