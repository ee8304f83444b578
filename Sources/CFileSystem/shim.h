// CFileSystem: syncfs(2), a GNU extension (declared by <unistd.h> only under _GNU_SOURCE, so
// Swift's Glibc module leaves it out). Only GlimpseFiles/AtomicFile.swift imports this module.
int syncfs(int fd);
