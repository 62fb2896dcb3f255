"""Review cases: anyone rated "không hoàn thành nhiệm vụ" two consecutive years is flagged."""
