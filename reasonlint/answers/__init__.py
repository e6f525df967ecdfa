"""Final answers: finding them in a response (`extract`) and comparing them with a reference (`verify`)."""
