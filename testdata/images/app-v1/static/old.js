// old.js: present in app-v1, deleted by a RUN in app-v2 (a whiteout).
console.log("legacy script");
